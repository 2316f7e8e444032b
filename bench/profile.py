"""Where a request's time goes: ``python -m bench.profile PATH [PATH ...]``.

In-process, against the benchmark database (``make bench`` creates it), with
the benchmark's settings: for each path, the mean time of a request through
the whole middleware stack (Django's test client, after a warm-up), the time
of each SQL query it runs as PostgreSQL reports it (EXPLAIN ANALYZE: planning
and execution), and the functions that take the most time (cProfile,
cumulative, the project's own code and the template engine).
"""

import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "100"))


def main(paths):
    from bench.run import ENV

    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    host = "127.0.0.1"
    for path in paths:
        for _ in range(5):
            response = client.get(path, HTTP_HOST=host)
        start = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(path, HTTP_HOST=host)
        mean_ms = (time.perf_counter() - start) / REQUESTS * 1000
        print(f"\n== {path}: {response.status_code}, {mean_ms:.2f} ms a request (of {REQUESTS})")
        with CaptureQueriesContext(connection) as captured:
            client.get(path, HTTP_HOST=host)
        for query in captured.captured_queries:
            sql = query["sql"]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
            timings = "; ".join(line.strip() for line in lines[-2:])
            print(f"   {timings}  {' '.join(sql.split())[:90]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(REQUESTS):
            client.get(path, HTTP_HOST=host)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(r"editorial|django/template|rest_framework/views|psycopg/cursor", 25)
        print("\n".join(out.getvalue().splitlines()[6:]))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])
