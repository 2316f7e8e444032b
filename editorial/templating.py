"""The public site's templates: Jinja2 (``editorial/jinja2/``).

The site's pages are rendered with Jinja2, which compiles each template to
Python code once: on a recommendation's page Django's template engine spent
more than half the request walking its node tree. The admin and the API's
documentation keep Django's templates (``templates/``).

The environment offers what the Django templates used: ``url()`` and
``static()``, the site's helpers (``templatetags/site.py``: dates, badges,
cards, the claim index, paragraphs, JSON-LD) and Django's own filters where
Jinja2 has none or one of another meaning (``pluralize``, ``truncatewords``,
``linebreaks``).
Autoescaping is on; Django's safe strings stay safe (they carry ``__html__``).
"""

import functools

from django.conf import settings
from django.template.defaultfilters import linebreaks_filter, pluralize, truncatewords
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from jinja2 import ChainableUndefined, Environment

from .templatetags import site


def url(name, *args, **kwargs):
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    # Every page links the same few pages (the header and footer): each is
    # reversed once per URL configuration and script prefix.
    return _plain_url(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=128)
def _plain_url(name, prefix, urlconf):
    return reverse(name, urlconf=urlconf)


def query_with(request, **changes):
    """The current query string with ``changes`` (None removes a key)."""
    return site.query_with({"request": request}, **changes)


def environment(**options):
    options.setdefault("keep_trailing_newline", True)  # as Django's templates
    # As Django's templates: a missing attribute (no request on the 500
    # page) is nothing, however deep.
    options["undefined"] = ChainableUndefined
    env = Environment(**options)
    env.globals.update(
        url=url,
        static=static,
        partial_date=site.partial_date,
        status_badge=site.status_badge,
        recommendation_cards=site.recommendation_cards,
        claim_index=site.claim_index,
        as_paragraphs=site.as_paragraphs,
        query_with=query_with,
    )
    env.filters.update(
        pluralize=pluralize,
        truncatewords=truncatewords,
        linebreaks=lambda value: linebreaks_filter(value, autoescape=True),
        json_ld=site.json_ld,
    )
    return env
