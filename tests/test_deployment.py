"""The deployment files, checked by reading them (no Docker engine here)."""

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CADDYFILE = ROOT / "deploy" / "Caddyfile"


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_has_the_database_migrate_job_and_app():
    services = compose()["services"]
    assert {"db", "migrate", "web"} <= set(services)


def test_every_image_is_pinned_to_a_version():
    for name, service in compose()["services"].items():
        image = service.get("image", "")
        if "build" in service:
            continue
        assert re.fullmatch(r"[\w./-]+:\d+(\.\d+)+[\w.-]*", image), (name, image)


def test_postgres_has_a_health_check_and_a_volume():
    config = compose()
    db = config["services"]["db"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in config["volumes"]


def test_the_app_waits_for_a_healthy_database_and_the_migrate_job():
    web = compose()["services"]["web"]
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    migrate = compose()["services"]["migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    script = " ".join(migrate["command"])
    for step in ("migrate --noinput", "import_corpus data/corpus", "load_seed"):
        assert step in script


def test_the_app_runs_under_gunicorn_with_healthz_as_its_health_check():
    web = compose()["services"]["web"]
    assert web["command"][0] == "gunicorn"
    assert "gunicorn.conf.py" in web["command"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert (ROOT / "gunicorn.conf.py").exists()


def test_gunicorn_runs_synchronous_workers_two_per_core_plus_one(monkeypatch):
    """What gunicorn makes of gunicorn.conf.py: more than one thread would
    make it run threaded workers whatever the worker class says."""
    from gunicorn.config import Config

    for name in ("WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    settings = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), settings)
    config = Config()
    for name in ("workers", "worker_class", "threads", "keepalive", "preload_app"):
        config.set(name, settings[name])
    assert config.worker_class_str == "sync"
    assert config.threads == 1
    assert config.workers == 2 * os.cpu_count() + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), settings)
    assert settings["workers"] == 3


def test_the_app_is_configured_by_the_variables_settings_reads():
    settings_source = (ROOT / "alliance" / "settings.py").read_text(encoding="utf-8")
    env = compose()["services"]["web"]["environment"]
    for name in env:
        assert f'"{name}"' in settings_source, name
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
    assert "@db:5432/" in env["DATABASE_URL"]


def test_redis_is_optional():
    redis = compose()["services"]["redis"]
    assert redis["profiles"] == ["cache"]


def test_dockerfile_is_pinned_runs_as_non_root_and_collects_static():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11\.\d+-slim", dockerfile, re.M)
    assert "--group run" in dockerfile
    assert "collectstatic" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "/healthz" in dockerfile


def test_one_load_balancer_publishes_the_port_and_reaches_every_web_container():
    """``docker compose up --scale web=4``: the web containers publish no
    port (four could not share one), the proxy publishes it and finds them
    all by the service's name; the app counts it as the one proxy that
    appends to X-Forwarded-For."""
    services = compose()["services"]
    web, proxy = services["web"], services["proxy"]
    assert "ports" not in web and web["expose"] == ["8000"]
    assert web["environment"]["API_NUM_PROXIES"] == "1"
    assert proxy["ports"] == ["${PORT:-8000}:8000"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    source, target, mode = proxy["volumes"][0].split(":")
    assert (source, target, mode) == ("./deploy/Caddyfile", "/etc/caddy/Caddyfile", "ro")
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    assert ":{$LISTEN_PORT:8000} {" in caddyfile
    assert "dynamic a {$UPSTREAM_HOST:web} {$UPSTREAM_PORT:8000}" in caddyfile


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The live server makes the test transactional; serialized_rollback puts the
# migrations' data back after its flush, which would otherwise recreate the
# content types under new ids and break a later serialized test's restore.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_load_balancer_config_serves_the_app_and_hands_it_the_clients_address(
    live_server, tmp_path
):
    """Debian's caddy runs ``deploy/Caddyfile`` in front of the live server:
    pages and the API come through, and the address the app reads off
    X-Forwarded-For is the one the proxy saw, not one the client made up."""
    caddy = shutil.which("caddy")
    assert caddy, "caddy is missing: install Debian's caddy (`apt-get install caddy`)"
    from django.core.signals import request_started

    seen = []

    def record(environ, **kwargs):
        seen.append((environ.get("HTTP_X_FORWARDED_FOR"), environ["PATH_INFO"]))

    request_started.connect(record)
    port = _free_port()
    upstream = urllib.parse.urlsplit(live_server.url)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "LISTEN_PORT": str(port),
        "UPSTREAM_HOST": upstream.hostname,
        "UPSTREAM_PORT": str(upstream.port),
    }
    command = [caddy, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
    proxy = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        status = None
        for _ in range(50):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/topics/",
                headers={"X-Forwarded-For": "6.6.6.6", "Host": "localhost"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    status, body = response.status, json.loads(response.read())
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200, proxy.stdout.read1().decode() if proxy.poll() is not None else ""
        assert body["count"] == 0
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        request_started.disconnect(record)
    assert ("127.0.0.1", "/api/v1/topics/") in seen
    assert not any(forwarded and "6.6.6.6" in forwarded for forwarded, _ in seen)
