"""Template helpers for the public site."""

import json
from html import escape as e

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from editorial.dates import display_at_precision, iso_at_precision
from editorial.links import url_for, url_parts
from editorial.models import Status

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


def _time(date, precision):
    return (
        f'<time datetime="{iso_at_precision(date, precision)}">'
        f"{display_at_precision(date, precision)}</time>"
    )


@register.simple_tag
def partial_date(date, precision):
    """A <time> element for a date known to a year, month or day."""
    if date is None:
        return ""
    return mark_safe(_time(date, precision))  # digits and month names: nothing to escape


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


STATUS_LABELS = dict(Status.choices)


def _badge(status, label, since=None, since_precision=None):
    badge = (
        f'<span class="badge badge--{e(status)}"><span class="visually-hidden">Status: </span>'
        f"{e(str(label))}</span>"
    )
    if since:
        badge += f' <span class="badge-since">since {_time(since, since_precision)}</span>'
    return badge


@register.simple_tag
def status_badge(status, label, since=None, since_precision=None):
    """A status as a badge, with since when if known. A simple tag, not an
    inclusion tag, written with f-strings: it is rendered once per row on
    the lists."""
    return mark_safe(_badge(status, label, since, since_precision))


def _words(text, count):
    """``Truncator(text).words(count, truncate=" …")`` for plain text."""
    words = text.split()
    return " ".join(words[:count]) + (" \u2026" if len(words) > count else "")


def _tag_links(list_url, key, tags):
    return ", ".join(f'<a href="{list_url}?{key}={e(t.slug)}">{e(t.name)}</a>' for t in tags)


@register.simple_tag
def recommendation_cards(recommendations, show_summary=False, show_tags=False):
    """A ``<li class="card">`` per recommendation: title, status badge (with
    the annotated status date), optionally the summary cut to 40 words and
    the topics and actors (``selectors.attach_tags``) as links to the list.

    Written in Python, not a template: a list page shows 25 cards, and the
    template engine spent about 150 microseconds on each. Every value is
    escaped here (``e``), as autoescaping would."""
    list_url = e(reverse("editorial:recommendation-list"))
    cards = []
    for item in recommendations:
        badge = _badge(
            item.status, STATUS_LABELS[item.status], item.status_date, item.status_date_precision
        )
        url = url_for("editorial:recommendation-detail", slug=item.slug)
        cards.append(
            f'<li class="card">\n  <h3 class="card__title"><a href="{e(url)}">'
            f"{e(item.title)}</a></h3>\n"
            f'  <p class="card__status">{badge}</p>\n'
        )
        if show_summary and item.summary:
            cards.append(f'  <p class="card__summary">{e(_words(item.summary, 40))}</p>\n')
        if show_tags and (item.topic_tags or item.actor_tags):
            cards.append('  <dl class="tags">\n')
            if item.topic_tags:
                links = _tag_links(list_url, "topic", item.topic_tags)
                cards.append(f"    <dt>Topics</dt><dd>{links}</dd>\n")
            if item.actor_tags:
                links = _tag_links(list_url, "actor", item.actor_tags)
                cards.append(f"    <dt>Addressed to</dt><dd>{links}</dd>\n")
            cards.append("  </dl>\n")
        cards.append("</li>\n")
    return mark_safe("".join(cards))


@register.simple_tag
def claim_index(claims):
    """The document page's index of its claims: a link to each highlighted
    passage and one to the claim's page (a simple tag: a long document has
    dozens of claims)."""
    before, after = (e(part) for part in url_parts("editorial:claim-detail", "pk"))
    items = []
    for claim in claims:
        summary = e(claim.summary)
        items.append(
            f'<li><a href="#claim-{claim.pk}">{summary}</a> <a class="claim-index__more"'
            f' href="{before}{int(claim.pk)}{after}">Details<span class="visually-hidden">'
            f" of claim: {summary}</span></a></li>\n"
        )
    return mark_safe("".join(items))


@register.simple_tag
def as_paragraphs(items):
    """Safe HTML paragraphs (``passages.highlighted_paragraphs``), each in a ``<p>``."""
    return mark_safe("".join(f"<p>{conditional_escape(item)}</p>\n" for item in items))
