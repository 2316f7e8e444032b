"""Conditional GET: ETag and Last-Modified, decided before any serialising.

A response is a function of the request's absolute URL (filters, page and
host all appear in it or in its links), its format, the rows it shows and
the related rows nested in them. The validator hashes exactly that:

- the absolute URL and the format, and the API version (a release that
  changes the representation changes every ETag);
- a list: how many rows match the filters and the newest ``updated_at``
  among them, in one aggregate whose count the paginator then reuses;
- a detail: the object's id, ``version`` and ``updated_at`` and its newest
  revision-history entry (a many-to-many edit leaves only that behind);
- every table the representation draws on (its *sources*): the newest
  ``updated_at`` and the newest revision-history entry. The history records
  deletions and many-to-many edits, which leave no ``updated_at``; the
  ``updated_at`` records bulk inserts, which leave no history.

The sources are table-wide: editing any claim changes the ETag of every
recommendation, since its evidence may quote that claim. That costs a partner
an occasional re-download, never a stale copy, and keeps the check to a few
MAX() lookups on indexed columns inside the query that fetches the object (or
counts the list). Editorial writes are rare next to API reads.

Writes that bypass ``save()`` (``QuerySet.update()``) are invisible here, as
they are to the revision history; the models' own derived updates
(``Recommendation.refresh_status``) always accompany a saved status change.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, DateTimeField, Max, OuterRef, Subquery
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date


def _newest(queryset, field):
    # The output field is explicit: SQLite would otherwise hand back a string.
    newest = queryset.order_by(f"-{field}").values(field)[:1]
    return Subquery(newest, output_field=DateTimeField())


def _newest_saved(model):
    return _newest(model._base_manager.all(), "updated_at")


def _newest_revision(model, **lookup):
    return _newest(model.history.model._base_manager.filter(**lookup), "history_date")


def source_stamps(sources):
    """Expressions for the newest change to each of ``sources``' tables."""
    stamps = {}
    for model in sources:
        name = model._meta.model_name
        stamps[f"_api_saved_{name}"] = _newest_saved(model)
        stamps[f"_api_revised_{name}"] = _newest_revision(model)
    return stamps


def detail_annotations(model, sources):
    """Annotations that let a detail's validator come with the object itself."""
    return {
        "_api_revised_self": _newest_revision(model, id=OuterRef("pk")),
        **source_stamps(source for source in sources if source is not model),
    }


@dataclass
class Validator:
    etag: str
    last_modified: datetime | None
    count: int | None = None

    @classmethod
    def build(cls, request, parts, stamps, *, count=None):
        format = getattr(request.accepted_renderer, "format", "")
        version = settings.SPECTACULAR_SETTINGS["VERSION"]
        text = repr((version, request.build_absolute_uri(), format, parts, stamps))
        digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        known = [stamp for stamp in stamps if stamp is not None]
        return cls(etag=f'W/"{digest}"', last_modified=max(known, default=None), count=count)

    @classmethod
    def for_list(cls, request, queryset, sources):
        stamps = {name: Max(expression) for name, expression in source_stamps(sources).items()}
        row = queryset.aggregate(_count=Count("pk"), _newest=Max("updated_at"), **stamps)
        count, newest = row.pop("_count"), row.pop("_newest")
        values = [newest, *(row[name] for name in sorted(row))]
        return cls.build(request, (count,), values, count=count)

    @classmethod
    def for_detail(cls, request, obj):
        names = sorted(name for name in vars(obj) if name.startswith("_api_"))
        values = [obj.updated_at, *(getattr(obj, name) for name in names)]
        return cls.build(request, (obj.pk, obj.version), values)

    def conditional_response(self, request):
        """A 304 if the client's copy is current (or a 412 if its If-Match
        fails), else None: the view must build the response."""
        # HTTP dates have whole seconds; compare at that precision.
        timestamp = int(self.last_modified.timestamp()) if self.last_modified else None
        response = get_conditional_response(request, etag=self.etag, last_modified=timestamp)
        return self.apply(response) if response is not None else None

    def apply(self, response):
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified.timestamp())
        # Any cache may keep a copy but must ask again (with the validators) before using it.
        response["Cache-Control"] = "no-cache"
        patch_vary_headers(response, ["Accept"])
        return response
