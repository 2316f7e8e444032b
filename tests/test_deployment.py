"""The deployment files, checked by reading them (no Docker engine here)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


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
