"""`make bench`: latency and throughput of every page kind and API call.

On PostgreSQL with production settings under gunicorn: loads the scale corpus
if it is missing, then for each target measures the query count (in-process,
once) and, with wrk at a fixed concurrency over loopback, the median and p95
latency and requests per second; the same for a trivial Django view on the
same server in the same run (the floor), measured right before and after each
target, and every figure as a ratio to it; each target is measured in several
rounds and the medians reported. Worker memory is read after the first round
and after the last, to check that it stays flat.

Writes bench/results.json and bench/results.md, and puts the table into the
README between its bench markers. Exits non-zero if a request failed.
"""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliance_bench"
)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
FLOOR_SECONDS = int(os.environ.get("BENCH_FLOOR_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SIZES = {"documents": 2000, "claims": 100_000, "recommendations": 10_000}

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DATABASE_URL": DATABASE_URL,
    "API_ANON_RATE": "100000000/min",
    "GUNICORN_ACCESSLOG": "",
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    "GUNICORN_MAX_REQUESTS": "0",
    "DJANGO_PAGE_CACHE_SECONDS": "0",
}
# Pages measured a second time with the page cache on (editorial.middleware).
CACHED = ["home", "recommendations", "recommendation_detail", "document_detail", "search"]

# (target, p95 limit in ms or None, minimum throughput ratio to the floor or None)
TARGETS = {
    "api_list": (60, 0.2),
    "api_detail": (60, 0.2),
    "api_search": (50, 0.2),
    "api_304": (10, 0.8),
    "recommendation_detail": (60, 0.1),
    "search": (50, 0.1),
    "home": (None, 0.1),
    "recommendations": (None, 0.1),
    "recommendations_filtered": (None, 0.1),
    "document_detail": (None, 0.1),
    **{f"{name} (cached)": (None, 0.8) for name in CACHED},
}
MAX_QUERIES = 10


def log(message):
    print(f"[bench] {message}", flush=True)


def manage(*args):
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=ENV, check=True)


def ensure_database():
    import psycopg
    from psycopg import sql

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure_corpus():
    manage("migrate", "--noinput", "-v0")
    manage("import_corpus", "data/corpus", "--state", "published", "-v0")
    manage("load_seed", "data/seed.yaml", "-v0")
    from editorial.models import Claim, Document, Recommendation

    generated = {
        "documents": Document.objects.filter(slug__startswith="gen-").count(),
        "claims": Claim.objects.filter(document__slug__startswith="gen-").count(),
        "recommendations": Recommendation.objects.filter(slug__startswith="gen-").count(),
    }
    if generated != SIZES:
        log(f"generating the scale corpus (found {generated})")
        manage(
            "generate_corpus",
            "--clear",
            *(f"--{name}={count}" for name, count in SIZES.items()),
        )
    manage("collectstatic", "--noinput", "-v0")
    # Fresh statistics, and the bulk load's dirty pages written out now
    # rather than during the first targets.
    for statement in ("VACUUM ANALYZE", "CHECKPOINT"):
        subprocess.run(["psql", DATABASE_URL, "-q", "-c", statement], check=True)


def targets():
    """(name, path, extra headers) for each page kind, on typical rows."""
    from django.test import Client

    from editorial.models import Document, Recommendation, Topic

    rec = (
        Recommendation.objects.published()
        .filter(slug__startswith="gen-", status="implemented")
        .order_by("pk")
        .first()
    )
    doc = Document.objects.published().filter(slug__startswith="gen-").order_by("pk").first()
    topic = Topic.objects.filter(slug__startswith="gen-").order_by("pk").first()
    api_list = "/api/v1/recommendations/"
    # The ETag names the host too (the body's links are absolute): ask the
    # way wrk will, with the server's own address.
    etag = Client().get(api_list, HTTP_HOST=f"127.0.0.1:{PORT}").headers.get("ETag", "")
    return [
        ("floor", "/bench/floor", {}),
        ("home", "/", {}),
        ("recommendations", "/recommendations/", {}),
        (
            "recommendations_filtered",
            f"/recommendations/?status=implemented&topic={topic.slug}",
            {},
        ),
        ("recommendation_detail", f"/recommendations/{rec.slug}/", {}),
        ("document_detail", f"/documents/{doc.slug}/", {}),
        ("search", "/search/?q=missile+defense", {}),
        ("api_list", api_list, {}),
        ("api_detail", f"/api/v1/recommendations/{rec.slug}/", {}),
        ("api_search", "/api/v1/claims/?q=missile+defense", {}),
        ("api_304", api_list, {"If-None-Match": etag}),
    ]


def query_counts(items):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from editorial import freshness

    # Counted as a running worker has them: with the stamp's listener (if on)
    # connected, not in the moment after start-up when it is not yet.
    if freshness.listening():
        deadline = time.monotonic() + 10
        while freshness.listener.get() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    client = Client()
    counts = {}
    for name, path, headers in items:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        # Twice: the first request also fills the fragment cache (counts,
        # drop-down options), as a process's first reader after an edit does.
        cold_and_warm = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, HTTP_HOST=f"127.0.0.1:{PORT}", **meta)
            cold_and_warm.append(len(captured))
        counts[name] = (*cold_and_warm, response.status_code)
    return counts


def start_server(**env):
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "alliance.wsgi", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env={**ENV, **env},
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz")


def stop(server):
    server.terminate()
    server.wait(timeout=30)


def worker_rss_mb(server):
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    total = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        total.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return total


def wrk(path, headers, seconds):
    command = [
        "wrk",
        "-t2",
        f"-c{CONCURRENCY}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "wrk.lua"),
    ]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    command.append(f"http://127.0.0.1:{PORT}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def check_status(name, path, headers):
    """Refuse to measure a target that does not answer as it should (a
    "304" target answering 200 would measure the wrong thing)."""
    expected = 304 if "If-None-Match" in headers else 200
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != expected:
        raise SystemExit(f"{name}: {path} answered {status}, not {expected}")


def measure_one(name, path, headers, seconds):
    check_status(name, path, headers)
    wrk(path, headers, 1)  # warm-up: connections, caches, the interpreter
    raw = wrk(path, headers, seconds)
    errors = sum(v for k, v in raw.items() if k.startswith("errors_"))
    figures = {
        "path": path,
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "requests": raw["requests"],
        "errors": errors,
    }
    log(
        f"{name:32} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:6.1f} ms"
        f"  p95 {figures['p95_ms']:6.1f} ms  errors {errors}"
    )
    return figures


def measure(items, rounds):
    """Every target ``rounds`` times, each time between two measurements of
    the floor; the target's ratio in a round is to the mean of those two.

    This machine's speed drifts by up to 2x within minutes (other tenants of
    the host), and a target and the floor measured minutes apart would tell
    that drift, not the code: the floor is measured right before and after
    each target instead, and every figure reported is the median of the
    rounds. Returns ``({name: [figures per round]}, [floor samples])``."""
    floor = next(item for item in items if item[0] == "floor")
    results, floors = {}, []
    for number in range(1, rounds + 1):
        log(f"round {number} of {rounds}")
        before = measure_one("floor", *floor[1:], FLOOR_SECONDS)
        floors.append(before)
        for name, path, headers in items:
            if name == "floor":
                continue
            figures = measure_one(name, path, headers, SECONDS)
            after = measure_one("floor", *floor[1:], FLOOR_SECONDS)
            floors.append(after)
            figures["floor_rps"] = (before["rps"] + after["rps"]) / 2
            figures["ratio"] = figures["rps"] / figures["floor_rps"]
            results.setdefault(name, []).append(figures)
            before = after
    return results, floors


def _median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def summarise(rounds):
    """One row of figures from a target's rounds: the median of each."""
    summary = {"path": rounds[0]["path"], "rounds": len(rounds)}
    for key in ("rps", "p50_ms", "p95_ms", "ratio", "floor_rps"):
        summary[key] = _median([figures[key] for figures in rounds])
    summary["requests"] = sum(figures["requests"] for figures in rounds)
    summary["errors"] = sum(figures["errors"] for figures in rounds)
    summary["ratios"] = [round(figures["ratio"], 3) for figures in rounds]
    return summary


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    pg = subprocess.run(
        ["psql", DATABASE_URL, "-tAc", "SHOW server_version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg,
        "concurrency": CONCURRENCY,
        "seconds_per_target": SECONDS,
        "floor_seconds": FLOOR_SECONDS,
        "rounds": ROUNDS,
        "corpus": SIZES,
    }


def verdicts(results, counts):
    rows = []
    failures = []
    for name, figures in results.items():
        cold, queries, status = counts[name]
        ratio = figures["ratio"]
        p95_limit, ratio_limit = TARGETS.get(name, (None, None))
        misses = []
        if p95_limit is not None and figures["p95_ms"] > p95_limit:
            misses.append(f"p95 {figures['p95_ms']:.1f} > {p95_limit} ms")
        if ratio_limit is not None and ratio < ratio_limit:
            misses.append(f"ratio {ratio:.3f} < {ratio_limit}")
        if name != "floor" and max(cold, queries) > MAX_QUERIES:
            misses.append(f"{max(cold, queries)} queries > {MAX_QUERIES}")
        if figures["errors"]:
            misses.append(f"{figures['errors']} errors")
        failures += [f"{name}: {m}" for m in misses]
        rows.append(
            {
                "target": name,
                "status": status,
                "queries": queries,
                "queries_cold": cold,
                **figures,
                "ratio": ratio,
                "p95_limit_ms": p95_limit,
                "ratio_limit": ratio_limit,
                "verdict": "; ".join(misses) or "ok",
            }
        )
    return rows, failures


def markdown(rows, info, memory):
    floor = info["floor_samples_rps"]
    rounds = info["rounds"]
    lines = [
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB, "
        f"PostgreSQL {info['postgresql']}, Python {info['python']}; gunicorn "
        f"(gunicorn.conf.py), wrk at {info['concurrency']} connections; corpus "
        f"{info['corpus']['documents']:,} documents, {info['corpus']['claims']:,} claims, "
        f"{info['corpus']['recommendations']:,} recommendations. Each target was measured "
        f"{rounds} times for {info['seconds_per_target']} s, each time between two "
        f"{info['floor_seconds']} s measurements of the floor; a ratio is to the mean of "
        "those two, and every figure is the median of the rounds (the floor: "
        f"{len(floor)} samples, {min(floor):,} to {max(floor):,} req/s, median "
        f"{sorted(floor)[len(floor) // 2]:,}).",
        "",
        "| target | queries (cold) | p50 ms | p95 ms | req/s | ratio to floor (rounds) "
        "| target | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        goal = ", ".join(
            g
            for g in (
                f"p95 ≤ {row['p95_limit_ms']} ms" if row["p95_limit_ms"] else "",
                f"ratio ≥ {row['ratio_limit']}" if row["ratio_limit"] else "",
            )
            if g
        )
        each = ", ".join(f"{ratio:.2f}" for ratio in row["ratios"])
        lines.append(
            f"| {row['target']} | {row['queries']} ({row['queries_cold']}) "
            f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
            f"| {row['rps']:.0f} | {row['ratio']:.2f}{f' ({each})' if each else ''} "
            f"| {goal or '—'} | {row['verdict']} |"
        )
    last = f"after_round_{rounds}"
    lines += [
        "",
        f"Worker memory (RSS, MB) after round 1: {memory['after_round_1']}; after round "
        f"{rounds}: {memory[last]} (growth {memory['growth_mb']:+.1f} MB).",
    ]
    return "\n".join(lines) + "\n"


def update_readme(table):
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        readme.write_text(f"{before}{start}\n{table}{end}{after}", encoding="utf-8")


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk); `make bench` installs it.")
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    ensure_database()
    import django

    django.setup()
    ensure_corpus()
    items = targets()
    counts = query_counts(items)
    from django.test import override_settings

    with override_settings(PAGE_CACHE_SECONDS=600):
        cached_items = [item for item in items if item[0] in CACHED]
        query_counts(cached_items)  # fill the cache
        for name, (_, warm, status) in query_counts(cached_items).items():
            # Cold, a cached page is the uncached page.
            counts[f"{name} (cached)"] = (counts[name][0], warm, status)
    server = start_server()
    try:
        log(f"uncached: {SECONDS} s per target at {CONCURRENCY} connections, {ROUNDS} rounds")
        rss_start = None
        measured, floors = {}, []
        for number in range(ROUNDS):
            rounds, samples = measure(items, 1)
            for name, figures in rounds.items():
                measured.setdefault(name, []).extend(figures)
            floors += samples
            if number == 0:
                rss_start = worker_rss_mb(server)  # after a first full round
        rss_end = worker_rss_mb(server)
    finally:
        stop(server)
    server = start_server(DJANGO_PAGE_CACHE_SECONDS="600")
    try:
        log("page cache on")
        cached = [item for item in items if item[0] in CACHED or item[0] == "floor"]
        rounds, samples = measure(cached, ROUNDS)
        for name, figures in rounds.items():
            measured[f"{name} (cached)"] = figures
        floors += samples
    finally:
        stop(server)
    results = {name: summarise(figures) for name, figures in measured.items()}
    floor_rps = [f["rps"] for f in floors]
    floor = {
        "path": floors[0]["path"],
        "rounds": len(floors),
        "rps": _median(floor_rps),
        "p50_ms": _median([f["p50_ms"] for f in floors]),
        "p95_ms": _median([f["p95_ms"] for f in floors]),
        "ratio": 1.0,
        "floor_rps": _median(floor_rps),
        "requests": sum(f["requests"] for f in floors),
        "errors": sum(f["errors"] for f in floors),
        "ratios": [],
    }
    log(f"floor: {min(floor_rps):.0f} to {max(floor_rps):.0f} req/s over the run")
    results = {"floor": floor, **results}
    memory = {
        "after_round_1": [round(x, 1) for x in rss_start],
        f"after_round_{ROUNDS}": [round(x, 1) for x in rss_end],
        "growth_mb": round(sum(rss_end) / len(rss_end) - sum(rss_start) / len(rss_start), 1),
    }
    rows, failures = verdicts(results, counts)
    info = machine()
    info["floor_samples_rps"] = [round(rps) for rps in floor_rps]
    (ROOT / "bench" / "results.json").write_text(
        json.dumps({"machine": info, "results": rows, "memory": memory}, indent=2) + "\n",
        encoding="utf-8",
    )
    table = markdown(rows, info, memory)
    (ROOT / "bench" / "results.md").write_text(table, encoding="utf-8")
    update_readme(table)
    print(table)
    errors = sum(row["errors"] for row in rows)
    if failures:
        log("targets missed:\n  " + "\n  ".join(failures))
    if errors:
        raise SystemExit(f"{errors} request(s) failed")


if __name__ == "__main__":
    main()
