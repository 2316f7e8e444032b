"""Small, rarely-changing pieces of the public pages (the filters' option
lists, the counts by status), cached on the content stamp.

The key carries the stamp's version (``editorial.freshness``): every
editorial write moves it, so a cached piece is never stale, in any process,
and old entries simply age out. A page that uses a fragment reads the stamp
once (it is kept on the request) and then the fragment from the cache; only
the first reader after a change computes it.
"""

from django.core.cache import cache

from . import freshness

# Long enough to matter, short enough that dead versions do not pile up.
TIMEOUT = 60 * 60


def cached(request, name, compute, *, timeout=TIMEOUT):
    """``compute()``, cached under ``name`` at the current stamp."""
    version, _ = freshness.current(request)
    key = f"fragment:{version}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value
