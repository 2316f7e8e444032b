"""How fresh the published content is: one stamp for the whole archive.

Every write to editorial content (a save, a delete, a many-to-many edit, a
bulk load) moves the stamp forward in the same transaction, so a reader who
sees the new stamp sees the new content. Validators and caches key on it:

- HTTP: an ETag is the stamp plus the exact request, and Last-Modified the
  stamp's time, so a conditional GET is answered 304 after reading one row,
  before any query of the content itself;
- the page cache (``editorial.middleware``) keys pages on the stamp, so a
  publish invalidates every cached page at once, across all processes,
  without tracking which pages showed what.

The stamp is table-wide on purpose: editorial writes are rare next to reads,
and a coarse key that is always right beats a fine one that can be stale.
"""

import datetime
import hashlib

from django.db import connections, models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime

STAMP_ID = 1


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
        if row is None:
            return (0, None)
        version, changed_at = row
        if isinstance(changed_at, str):  # SQLite hands back text
            changed_at = parse_datetime(changed_at)
        if changed_at is not None and timezone.is_naive(changed_at):
            changed_at = timezone.make_aware(changed_at, datetime.UTC)
        return (version, changed_at)


def touch(using=None):
    """Move the stamp forward (inside the caller's transaction)."""
    from .models import ContentStamp

    manager = ContentStamp.objects.db_manager(using)
    if not manager.filter(pk=STAMP_ID).update(version=models.F("version") + 1, changed_at=Now()):
        manager.update_or_create(pk=STAMP_ID, defaults={"version": 1, "changed_at": Now()})


def current(request=None):
    """The stamp, read once per request (kept on ``request``)."""
    from .models import ContentStamp

    if request is not None and hasattr(request, "_content_stamp"):
        return request._content_stamp
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
