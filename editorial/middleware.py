"""A page cache for readers, keyed on the content stamp.

Public pages are the same for every anonymous reader until an editor changes
something, and every such change moves the stamp (``editorial.freshness``).
Keying cached pages on the stamp makes invalidation exact and immediate in
every process without tracking which page showed what: a publish simply makes
every old key unreachable, and old entries age out of the cache.

Only anonymous GET/HEAD requests to the public site are cached (no session
cookie: editors see live pages), and only 200 responses that set no cookie
and do not ask not to be stored (``Cache-Control: no-store`` or ``private``,
as ``never_cache`` sets).
``DJANGO_PAGE_CACHE_SECONDS=0`` turns it off.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from . import freshness

EXCLUDED_PREFIXES = ("/admin/", "/api/", "/healthz", "/static/")


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not self.cacheable(request):
            return self.get_response(request)
        key = self.key(request)
        response = cache.get(key)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self.storable(response):
            cache.set(key, response, seconds)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def storable(response):
        directives = {
            d.strip().split("=", 1)[0].lower() for d in response.get("Cache-Control", "").split(",")
        }
        return (
            response.status_code == 200
            and not response.cookies
            and not response.streaming
            and not directives & {"no-store", "private"}
        )

    @staticmethod
    def cacheable(request):
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(EXCLUDED_PREFIXES)
        )

    @staticmethod
    def key(request):
        version, _ = freshness.current(request)
        where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.blake2b(where.encode(), digest_size=16).hexdigest()
        return f"page:{version}:{request.method}:{digest}"
