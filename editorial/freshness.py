"""How fresh the published content is: one stamp for the whole archive.

Every write to editorial content (a save, a delete, a many-to-many edit, a
bulk load) moves the stamp forward in the same transaction, so a reader who
sees the new stamp sees the new content. Validators and caches key on it:

- HTTP: an ETag is the stamp plus the exact request, and Last-Modified the
  stamp's time, so a conditional GET is answered 304 after reading one row (or
  none, with the listener below),
  before any query of the content itself;
- the page cache (``editorial.middleware``) keys pages on the stamp, so a
  publish invalidates every cached page at once, across all processes,
  without tracking which pages showed what.

The stamp is table-wide on purpose: editorial writes are rare next to reads,
and a coarse key that is always right beats a fine one that can be stale.
"""

import datetime
import hashlib
import logging
import os
import threading
from time import monotonic

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime

STAMP_ID = 1
logger = logging.getLogger(__name__)


def _aware(row):
    version, changed_at = row
    if isinstance(changed_at, str):  # SQLite hands back text
        changed_at = parse_datetime(changed_at)
    if changed_at is not None and timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, datetime.UTC)
    return (version, changed_at)


class ContentStampQuerySet(models.QuerySet):
    def current(self):
        """``(version, changed_at)`` of the archive, in one query by key.

        In plain SQL: every request reads the stamp, and building the query
        with the ORM took longer than running it."""
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT version, changed_at FROM {table} WHERE id = %s", [STAMP_ID])
            row = cursor.fetchone()
        return _aware(row) if row is not None else (0, None)


def touch(using=None):
    """Move the stamp forward (inside the caller's transaction)."""
    from .models import ContentStamp

    manager = ContentStamp.objects.db_manager(using)
    if not manager.filter(pk=STAMP_ID).update(version=models.F("version") + 1, changed_at=Now()):
        manager.update_or_create(pk=STAMP_ID, defaults={"version": 1, "changed_at": Now()})
    connection = connections[manager.db]
    if connection.vendor == "postgresql":
        # Heard by every process's listener once this transaction commits
        # (several in one transaction arrive as one).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    # This process does not wait for the notification to come back.
    transaction.on_commit(listener.forget, using=using)


def current(request=None):
    """The stamp, read once per request (kept on ``request``)."""
    from .models import ContentStamp

    if request is not None and hasattr(request, "_content_stamp"):
        return request._content_stamp
    stamp = listener.get() if listening() else None
    if stamp is None:
        stamp = ContentStamp.objects.current()
    if request is not None:
        request._content_stamp = stamp
    return stamp


def etag_for(request, *parts):
    """A weak ETag for ``request``'s exact URL (and ``parts``) at the current stamp."""
    version, _ = current(request)
    text = repr((request.get_full_path(), parts))
    digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    return f'W/"{version}-{digest}"'


def _on_change(sender, using=None, **kwargs):
    touch(using)


def connect_signals(models_to_watch):
    """Touch the stamp on every save, delete and many-to-many edit of these models."""
    for model in models_to_watch:
        uid = f"freshness-{model._meta.label_lower}"
        models.signals.post_save.connect(_on_change, sender=model, dispatch_uid=uid + "-save")
        models.signals.post_delete.connect(_on_change, sender=model, dispatch_uid=uid + "-del")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            models.signals.m2m_changed.connect(
                _on_m2m, sender=through, dispatch_uid=f"{uid}-{field.name}-m2m"
            )


def _on_m2m(sender, action, using=None, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        touch(using)


# --- Knowing the stamp without asking the database --------------------------
#
# Most requests need the stamp only to name a cache entry or an ETag, and
# reading it costs a round trip (and a connection health check before it):
# most of a 304's time. On PostgreSQL each process holds the stamp in memory
# instead: a thread LISTENs on a channel that every touch() NOTIFYs (delivered
# when the writing transaction commits) and reads the stamp again then.
# Whenever the copy cannot be vouched for (not yet connected, connection lost,
# a write of this very process just committed) it is None, and current()
# reads the database as before.

CHANNEL = "alliance_content_stamp"
# The thread wakes this often to notice a forgotten copy, and reads the stamp
# every REFRESH_SECONDS even without a notification (a bound on staleness if
# notifications were ever lost without the connection failing).
WAKE_SECONDS = 1.0
REFRESH_SECONDS = 30.0
# A copy whose thread has not come round for this long (a read that hangs, a
# thread that died) is not trusted.
STALE_SECONDS = 5.0


class StampListener:
    def __init__(self):
        self.value = None
        self.pid = None
        self.lock = threading.Lock()
        self.thread = None
        self.stopping = threading.Event()
        self.alive_at = 0.0
        # Moved by forget(): a read that began before it is not kept.
        self.generation = 0

    def get(self):
        """This process's copy of the stamp, or None: read the database."""
        if self.pid != os.getpid():
            self._start()
        if monotonic() - self.alive_at > STALE_SECONDS:
            return None
        return self.value

    def forget(self):
        """Distrust the copy until the thread has read the stamp again."""
        self.generation += 1
        self.value = None

    def _start(self):
        with self.lock:
            if self.pid == os.getpid():
                return
            # Also after a fork (gunicorn's preloaded app): threads do not survive it.
            self.pid = os.getpid()
            self.value = None
            self.stopping.clear()
            self.thread = threading.Thread(target=self._run, name="content-stamp", daemon=True)
            self.thread.start()

    def stop(self):
        """Stop listening (tests; a worker's thread simply ends with it)."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.value = self.pid = self.thread = None

    @staticmethod
    def _connect(**params):
        import psycopg

        return psycopg.connect(autocommit=True, **params)

    def _run(self):
        from .models import ContentStamp

        connection = connections["default"]
        params = connection.get_connection_params()
        for django_only in ("cursor_factory", "context"):
            params.pop(django_only, None)
        # Notice a silently dropped connection, and give up on a read that
        # hangs, within seconds.
        params.update(
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
            connect_timeout=5,
            application_name="alliance content-stamp listener",
            options=f"{params.get('options', '')} -c statement_timeout=5000".strip(),
        )
        table = connection.ops.quote_name(ContentStamp._meta.db_table)
        read = f"SELECT version, changed_at FROM {table} WHERE id = {STAMP_ID}"
        try:
            while not self.stopping.is_set():
                try:
                    with self._connect(**params) as conn:
                        conn.execute(f"LISTEN {CHANNEL}")
                        self._listen(conn, read)
                except Exception:
                    self.value = None
                    logger.warning("Content stamp listener lost its connection; retrying in 1 s.")
                    self.stopping.wait(1)
        finally:
            self.value = None

    def _listen(self, conn, read):
        last_read = 0.0
        heard = True  # read first: after LISTEN, no change goes unseen
        while not self.stopping.is_set():
            if heard or self.value is None or monotonic() - last_read > REFRESH_SECONDS:
                generation = self.generation
                row = conn.execute(read).fetchone()
                last_read = monotonic()
                if generation == self.generation:
                    self.value = _aware(tuple(row)) if row else (0, None)
            self.alive_at = monotonic()
            heard = any(True for _ in conn.notifies(timeout=WAKE_SECONDS, stop_after=1))


listener = StampListener()


def listening():
    return settings.CONTENT_STAMP_LISTEN and connections["default"].vendor == "postgresql"
