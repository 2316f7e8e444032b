"""Fast links to items: ``reverse()`` with one argument, memoised.

Django's ``reverse()`` costs about 20 microseconds; a list or a document page
links dozens of items (every claim in a document's index, every card), so
that adds up. :func:`url_for` reverses each URL name once per URL
configuration and script prefix, with a placeholder for its one argument,
and then only puts the value in. A value that reversing would have to quote
(anything but letters, digits, ``-`` and ``_``) goes through ``reverse()``,
so the result is always what ``reverse()`` gives (a test checks).
"""

import functools
import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Digits: accepted by the int, slug and str path converters alike.
_PLACEHOLDER = "9081726354453627189"
_PLAIN = re.compile(r"[-a-zA-Z0-9_]+\Z")


@functools.lru_cache(maxsize=128)
def _around(name, argument, prefix, urlconf):
    """The reversed URL split at its argument, or None if that cannot be done."""
    url = reverse(name, urlconf=urlconf, kwargs={argument: _PLACEHOLDER})
    if url.count(_PLACEHOLDER) != 1:
        return None
    return tuple(url.split(_PLACEHOLDER))


def url_for(name, **kwargs):
    """``reverse(name, kwargs=kwargs)`` for a URL with one argument, fast."""
    ((argument, value),) = kwargs.items()
    value = str(value)
    if _PLAIN.match(value):
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        around = _around(name, argument, get_script_prefix(), urlconf)
        if around is not None:
            return f"{around[0]}{value}{around[1]}"
    return reverse(name, kwargs=kwargs)


def url_parts(name, argument):
    """``(before, after)`` such that ``url_for(name, argument=value)`` is
    ``before + value + after`` for any plain value (letters, digits, ``-``,
    ``_``): for a page that links many items of one kind."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    around = _around(name, argument, get_script_prefix(), urlconf)
    if around is None:
        raise ValueError(f"{name} cannot be split at its argument {argument!r}.")
    return around
