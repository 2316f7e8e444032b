"""Full-text search: PostgreSQL FTS, with a plain fallback on SQLite.

On PostgreSQL every searchable table has a stored, generated ``search_vector``
column (weighted: titles A, summaries and authors B, long text D) with a GIN
index, created by migration ``0002_search_vectors``. The database keeps it up
to date on every insert and update, bulk ones included, so no application code
maintains it. The column is not a model field (SQLite has no tsvector); it is
reached through :class:`StoredVector`.

Queries use ``websearch_to_tsquery``: ``"exact phrase"``, ``-word`` and ``or``
work as on a web search engine. Ranked with ``ts_rank_cd``. Snippets come from
``ts_headline``, computed only for the rows being shown.

On SQLite the fallback matches every word (case-insensitively) in any of the
searchable fields, in the list's usual order.
"""

import re
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import F, FloatField, Q, Value
from django.db.models.expressions import Expression
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Claim, Document, Policy, Recommendation

CONFIG = "english"
MAX_QUERY_LENGTH = 200
# The most matches of one kind that a search ranks (PostgreSQL); see
# filter_search. Documents' vectors hold whole papers, so fewer of them.
# Measured on the 100k-claim corpus (bench/): ranking 1,000 claims took
# 11 ms of a 66 ms search page, 400 about a third of that.
CANDIDATES = 400

# model -> {weight: [fields]}; migration 0002 builds the stored columns from the same list.
WEIGHTS = {
    Document: {"A": ["title"], "B": ["authors", "abstract"], "D": ["body"]},
    Claim: {"A": ["summary"], "B": ["quote"]},
    Policy: {"A": ["title"], "B": ["summary"]},
    Recommendation: {"A": ["title"], "B": ["summary"]},
}

# The field whose text a result's snippet is cut from.
SNIPPET_FIELD = {Document: "body", Claim: "quote", Policy: "summary", Recommendation: "summary"}

_START, _STOP = "\x02", "\x03"  # never in stored text; replaced after escaping


class QueryTooLong(ValueError):
    pass


def clean_query(q):
    """Strip what no search needs (control characters, surrounding space).

    Raises :class:`QueryTooLong` past ``MAX_QUERY_LENGTH`` characters."""
    q = re.sub(r"[\x00-\x1f\x7f]", " ", q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"The search is limited to {MAX_QUERY_LENGTH} characters.")
    return q


def is_postgres():
    return connection.vendor == "postgresql"


class StoredVector(Expression):
    """The stored ``search_vector`` column of the query's own table.

    Qualified with the alias the table has in the query being compiled, so it
    stays right inside a subquery (where Django renames the table ``U0``)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.base_table
        return f"{compiler.quote_name_unless_alias(alias)}.search_vector", []


def candidates_for(model):
    return CANDIDATES // 4 if model is Document else CANDIDATES


def is_capped(model, total):
    """Whether ``total`` matches of ``model`` may be fewer than there are
    (the candidate cap was reached): shown as "400+", not "400"."""
    return is_postgres() and total >= candidates_for(model)


def _tsquery(q):
    return SearchQuery(q, search_type="websearch", config=CONFIG)


def filter_search(queryset, q):
    """``queryset`` narrowed to matches of ``q`` and annotated with ``rank``.

    On PostgreSQL the result is ordered by rank (best first); callers that
    want another order may ``order_by()`` again. An empty ``q`` matches all.
    """
    q = clean_query(q)
    if not q:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    model = queryset.model
    if is_postgres():
        query = _tsquery(q)
        # Ranking reads every match's whole vector; a broad query can match
        # tens of thousands of rows. Rank at most CANDIDATES of them (the
        # first the index yields), so a search costs the same at any size.
        # The candidates are drawn from ``queryset`` itself, so rows it leaves
        # out (drafts) take no place among them, and a total that reaches the
        # cap means there may be more (``is_capped``).
        candidates = (
            queryset.alias(search_vector=StoredVector())
            .filter(search_vector=query)
            .order_by()
            .values("pk")[: candidates_for(model)]
        )
        return (
            queryset.filter(pk__in=candidates)
            .alias(search_vector=StoredVector())
            .annotate(rank=SearchRank(F("search_vector"), query, cover_density=True))
            .order_by("-rank", "pk")
        )
    fields = [f for names in WEIGHTS[model].values() for f in names]
    words = _words(q)
    if not words:
        return queryset.none()
    condition = reduce(
        and_,
        (reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)) for word in words),
    )
    return queryset.filter(condition).annotate(rank=Value(0.0, output_field=FloatField()))


def _words(q):
    """The words of a query for the fallback: quotes, ``or`` and ``-`` dropped."""
    return [w for w in re.findall(r"[\w'-]+", q) if w.lower() != "or" and not w.startswith("-")]


def add_snippets(objects, q, *, max_words=35):
    """Set ``obj.snippet`` (safe HTML, matches in ``<mark>``) on each of
    ``objects``: the page being shown, never the whole result set."""
    objects = list(objects)
    q = clean_query(q)
    if not objects:
        return objects
    model = type(objects[0])
    field = SNIPPET_FIELD[model]
    if q and is_postgres():
        headlines = _headlines(model, field, [o.pk for o in objects], q, max_words)
        for obj in objects:
            obj.snippet = _marked(headlines.get(obj.pk, ""))
        return objects
    for obj in objects:
        obj.snippet = _fallback_snippet(getattr(obj, field) or "", _words(q), max_words)
    return objects


# ts_headline parses all of the text it is given: a whole paper costs about
# 3 ms. It is given the first HEADLINE_WINDOW characters (a few paragraphs),
# and the whole text only for a row whose match lies further in, in the same
# query: the snippet shows a match either way, at a fifth of the cost.
HEADLINE_WINDOW = 3000


def _headlines(model, field, pks, q, max_words):
    """``{pk: headline}`` of ``field`` for the rows ``pks``, in one query."""
    options = (
        f"StartSel={_START}, StopSel={_STOP}, MaxWords={max_words}, "
        f"MinWords={max(5, max_words // 3)}, MaxFragments=2, "
        'FragmentDelimiter=" \u2026 "'
    )
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    pk = connection.ops.quote_name(model._meta.pk.column)
    text = f"COALESCE(item.{column}, '')"
    sql = (
        # The window's headline if the window holds a match (or is the whole
        # text); else the whole text's.
        f"SELECT item.{pk}, CASE WHEN head.found OR length({text}) <= %(window)s THEN head.h"
        f" ELSE ts_headline(%(config)s::regconfig, {text}, query, %(options)s) END"
        f" FROM {table} AS item, websearch_to_tsquery(%(config)s::regconfig, %(q)s) AS query,"
        # OFFSET 0 keeps the window's headline made once, not once per use.
        " LATERAL (SELECT ts_headline(%(config)s::regconfig, w, query, %(options)s) AS h,"
        " to_tsvector(%(config)s::regconfig, w) @@ query AS found"
        # The window ends at a word's end: a cut word could look like a match.
        f" FROM (SELECT CASE WHEN length({text}) > %(window)s"
        f" THEN regexp_replace(left({text}, %(window)s + 1), '\\S*$', '') ELSE {text} END AS w)"
        " AS win OFFSET 0) AS head"
        f" WHERE item.{pk} = ANY(%(pks)s)"
    )
    params = {
        "config": CONFIG,
        "options": options,
        "window": HEADLINE_WINDOW,
        "q": q,
        "pks": list(pks),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _marked(text):
    return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))


def _fallback_snippet(text, words, max_words):
    text = " ".join(text.split())
    lower = text.lower()
    hits = [lower.find(w.lower()) for w in words]
    first = min((h for h in hits if h >= 0), default=0)
    start = max(0, text.rfind(" ", 0, max(0, first - 80)) + 1) if first > 80 else 0
    excerpt_words = text[start:].split(" ")[:max_words]
    excerpt = " ".join(excerpt_words)
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        excerpt = pattern.sub(lambda m: f"{_START}{m.group()}{_STOP}", excerpt)
    prefix = "\u2026 " if start else ""
    suffix = " \u2026" if len(text[start:].split(" ")) > max_words else ""
    return _marked(prefix + excerpt + suffix)
