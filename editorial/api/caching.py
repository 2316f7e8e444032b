"""Conditional GET and counts, both keyed on the content stamp.

Every editorial write moves the archive's content stamp forward in its own
transaction (``editorial.freshness``), so a response is a function of the
request (its URL, host and format), the API version and the stamp:

- the ETag is ``freshness.etag_for`` of exactly that, and Last-Modified the
  stamp's time. Deciding a 304 costs one query by primary key (the stamp; none
  where each process holds it in memory, ``freshness.StampListener``),
  and the viewsets decide it before filtering, fetching or serialising;
- a list's ``count`` is kept in Django's cache under the stamp and the
  filters: a correct key, since any write that could change the count moves
  the stamp. A miss counts with the filters alone (no ordering, no ranking).

The stamp is archive-wide: any edit changes every ETag. That costs a partner
an occasional re-download, never a stale copy, and editorial writes are rare
next to API reads.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_etags

from .. import freshness

COUNT_SECONDS = 600
API_VERSION = settings.SPECTACULAR_SETTINGS["VERSION"]


@dataclass
class Validator:
    etag: str
    last_modified: datetime | None

    @classmethod
    def for_request(cls, request):
        format = getattr(getattr(request, "accepted_renderer", None), "format", "")
        request = getattr(request, "_request", request)  # the stamp is kept on Django's request
        _, changed_at = freshness.current(request)
        host = f"{request.scheme}://{request.get_host()}"
        return cls(freshness.etag_for(request, host, format, API_VERSION), changed_at)

    def conditional_response(self, request):
        """A 304 if the client's copy is current (or a 412 if its If-Match
        fails), else None: the view must build the response."""
        # HTTP dates have whole seconds; compare at that precision.
        timestamp = int(self.last_modified.timestamp()) if self.last_modified else None
        response = get_conditional_response(request, etag=self.etag, last_modified=timestamp)
        return self.apply(response) if response is not None else None

    def early_response(self, request):
        """The 304 for a client that sends back this URL's current ETag,
        decided before anything else about the request is looked up: such a
        tag was handed out with a 200 for this very URL at this very stamp.
        Other conditional requests (a date, ``*``) wait for
        ``conditional_response`` after the usual checks, so a missing item
        is still a 404 and a bad filter still a 400."""
        if not self.matches(request):
            return None
        if "HTTP_IF_MATCH" in request.META or "HTTP_IF_UNMODIFIED_SINCE" in request.META:
            return self.conditional_response(request)  # they may make it a 412
        # What get_conditional_response answers to a matching If-None-Match on a GET.
        return self.apply(HttpResponseNotModified())

    def matches(self, request):
        """Whether ``request`` sends back this very ETag in If-None-Match."""
        header = request.META.get("HTTP_IF_NONE_MATCH")
        return bool(header) and self.etag in parse_etags(header)

    def apply(self, response):
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = _http_date(self.last_modified.timestamp())
        # Any cache may keep a copy but must ask again (with the validators) before using it.
        response["Cache-Control"] = "no-cache"
        patch_vary_headers(response, ["Accept"])
        return response


@lru_cache(maxsize=16)
def _http_date(timestamp):
    return http_date(timestamp)


def cached_count(request, name, count_rows, filters):
    """How many rows a list has, kept under the stamp and ``filters`` (the
    request's filter parameters: pages, format and ordering do not change a
    count); ``count_rows()`` counts them when the cache does not hold it."""
    version, changed_at = freshness.current(request)
    text = repr((name, sorted((key, sorted(values)) for key, values in filters)))
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    stamp = changed_at.timestamp() if changed_at else 0
    key = f"api:count:{version}:{stamp}:{digest}"
    count = cache.get(key)
    if count is None:
        count = count_rows()
        cache.set(key, count, COUNT_SECONDS)
    return count
