"""Django's PostgreSQL backend, health-checking only connections that were idle.

With ``CONN_HEALTH_CHECKS`` Django asks a persistent connection ``SELECT 1``
before the first query of every request, so that one left broken while idle
(the server restarted, a firewall dropped it) is replaced instead of failing
the request. That round trip cost 0.2 to 0.3 ms of CPU a request under load,
about 7% of an API list (bench/, CPU time per request at 4 connections).

A connection used less than ``ALIVE_WINDOW`` seconds ago is taken as alive
without asking, as HikariCP's pool does (``aliveBypassWindowMs``, 500 ms by
default): under load every connection is that fresh, and one broken within
the window fails its request as a query already running would have (Django
then closes it at the request's end). An idle one is checked as before.
"""

import time

from django.db.backends.postgresql import base

ALIVE_WINDOW = 0.5  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    # When the connection was last used, checked or opened (time.monotonic()).
    alive_at = float("-inf")

    def connect(self):
        super().connect()
        self.alive_at = time.monotonic()

    def close_if_health_check_failed(self):
        now = time.monotonic()
        if self.connection is not None and now - self.alive_at < ALIVE_WINDOW:
            self.health_check_done = True
        super().close_if_health_check_failed()
        if self.connection is not None:
            self.alive_at = now
