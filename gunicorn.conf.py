"""gunicorn settings, tuned by measurement (see bench/ and the README).

Pages are short, CPU-bound Django requests with a database round trip or
two: synchronous workers, two per core plus one, each serving one request at
a time (gunicorn's own advice), behind the load balancer of
docker-compose.yml (Caddy), which holds the clients' connections. A worker
waiting on PostgreSQL leaves its core to another worker.

Threaded workers (``gthread``, a process per core plus one with two threads
each, as before) keep a client's keep-alive connection on the worker that
accepted it, and one awake worker may accept them all: with wrk's 4
connections, all 4 were on one of the 3 workers in 1 run of 8, which then
served half as many requests (1,419 a second against 2,805 to 3,527, the
floor of bench/), its threads taking turns at one interpreter while the
other cores idled. A synchronous worker takes a connection only when it is
free, so the next request goes to a free worker. Measured on 2 cores in
interleaved runs (bench/, 4 runs of 5 s each; requests a second, and the
share of CPU time left idle):

- the search page: 182 to 198 (2 to 4 % idle) against 117 to 196 (3 to 24 %);
- the recommendations list: 411 to 519 (1 to 4 %) against 211 to 490 (3 to 42 %);
- the API's list 653 to 834 against 453 to 845, its search 475 to 624
  against 521 to 761, the floor 2,804 to 3,655 against 2,787 to 3,841.

Overridable through the environment for other machines.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# More than one makes gunicorn run gthread workers whatever worker_class says.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Recycle workers now and then, with jitter so they do not restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
timeout = 30
graceful_timeout = 20
keepalive = 5  # for gthread workers; a sync worker closes after each response
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
