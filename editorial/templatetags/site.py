"""Template helpers for the public site."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from editorial.dates import display_at_precision, iso_at_precision

register = template.Library()

# The same escapes as Django's ``json_script``: with these, no string in the
# data can end the <script> element or open a comment inside it.
_SCRIPT_ESCAPES = {
    ord(">"): "\\u003E",
    ord("<"): "\\u003C",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


@register.filter
def json_ld(data):
    """Embed ``data`` as a JSON-LD script element, escaped like json_script.

    A JSON-LD block is data, not script: browsers never run it, so it needs
    no CSP nonce."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.simple_tag
def partial_date(date, precision):
    """A <time> element for a date known to a year, month or day."""
    if date is None:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>',
        iso_at_precision(date, precision),
        display_at_precision(date, precision),
    )


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with ``changes`` applied (a value of None
    removes the key): pagination links keep the filters."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def status_badge(status, label, since=None, since_precision=None):
    """A status as a badge, with since when if known. A simple tag, not an
    inclusion tag: it is rendered once per row on the lists."""
    badge = format_html(
        '<span class="badge badge--{}"><span class="visually-hidden">Status: </span>{}</span>',
        status,
        label,
    )
    if since:
        badge += format_html(
            ' <span class="badge-since">since {}</span>', partial_date(since, since_precision)
        )
    return badge


def _tag_links(list_url, key, tags):
    return format_html_join(
        ", ", '<a href="{}?{}={}">{}</a>', ((list_url, key, t.slug, t.name) for t in tags)
    )


@register.simple_tag
def recommendation_cards(recommendations, show_summary=False, show_tags=False):
    """A ``<li class="card">`` per recommendation: title, status badge (with
    the annotated status date), optionally the summary cut to 40 words and
    the topics and actors (``selectors.attach_tags``) as links to the list.

    Written in Python, not a template: a list page shows 25 cards, and the
    template engine spent about 150 microseconds on each."""
    list_url = reverse("editorial:recommendation-list")
    cards = []
    for item in recommendations:
        parts = [
            format_html(
                '<li class="card">\n  <h3 class="card__title"><a href="{}">{}</a></h3>\n'
                '  <p class="card__status">{}</p>\n',
                item.get_absolute_url(),
                item.title,
                status_badge(
                    item.status,
                    item.get_status_display(),
                    getattr(item, "status_date", None),
                    getattr(item, "status_date_precision", None),
                ),
            )
        ]
        if show_summary and item.summary:
            summary = Truncator(item.summary).words(40, truncate=" \u2026")
            parts.append(format_html('  <p class="card__summary">{}</p>\n', summary))
        if show_tags and (item.topic_tags or item.actor_tags):
            parts.append('  <dl class="tags">\n')
            if item.topic_tags:
                parts.append(
                    format_html(
                        "    <dt>Topics</dt><dd>{}</dd>\n",
                        _tag_links(list_url, "topic", item.topic_tags),
                    )
                )
            if item.actor_tags:
                parts.append(
                    format_html(
                        "    <dt>Addressed to</dt><dd>{}</dd>\n",
                        _tag_links(list_url, "actor", item.actor_tags),
                    )
                )
            parts.append("  </dl>\n")
        parts.append("</li>\n")
        cards.append("".join(parts))
    return mark_safe("".join(cards))
