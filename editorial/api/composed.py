"""The API's richest items composed as JSON by PostgreSQL, in one statement.

A recommendation shows its documents, policies, topics and actors (and, in
detail, its status history and evidence with each claim and its document);
a claim its document and topics. Built in Python from ``.values()`` rows
(``payloads``), a page of them took a query per relation set and most of its
time in Python putting dicts and URLs together. On PostgreSQL the builders
hand the ids of the page to one statement instead, which gives back the
items as a JSON array, nested relations included, in the page's order (a
detail's statement looks its item up itself); a prepared statement
(``editorial.db``), so it is planned once per connection.

The output is exactly the Python builders' (and the serializers'): the same
keys in the same order, dates at their precision, timestamps as DRF writes
them (UTC, ``Z``, microseconds only when there are any), absolute URLs made
from the request's own link templates (``serializers.Links``), and only
published documents, policies and claims nested. ``tests/test_api_payloads.py``
checks every endpoint against the serializers on both databases, and the two
builders against each other on PostgreSQL.
"""

from dataclasses import dataclass

from ..db import bigints
from ..models import Claim, Document, Policy, Recommendation
from ..sqljson import PUBLISHED, link, obj, partial_date, timestamp

# How a link to an item is made: name -> (kind, route or model, key attribute).
LINKS = {
    "recommendation_api": ("api", "api:recommendation-detail", "slug"),
    "recommendation_site": ("site", Recommendation, "slug"),
    "document_api": ("api", "api:document-detail", "slug"),
    "document_site": ("site", Document, "slug"),
    "policy_api": ("api", "api:policy-detail", "slug"),
    "policy_site": ("site", Policy, "slug"),
    "claim_api": ("api", "api:claim-detail", "pk"),
    "claim_site": ("site", Claim, "pk"),
}


def ref(alias, kind):
    """A compact reference (slug, title, API and site URLs) to row ``alias``."""
    return obj(
        ("slug", f"{alias}.slug"),
        ("title", f"{alias}.title"),
        ("url", link(f"{kind}_api", f"{alias}.slug")),
        ("html_url", link(f"{kind}_site", f"{alias}.slug")),
    )


@dataclass(frozen=True)
class Grouped:
    """A field that is a JSON array of rows related to the item (never null):
    ``item`` over ``tables`` (FROM … with its joins) where ``owner`` (a column
    of them) is the item's id and ``where`` holds, in ``order``.

    A statement makes each such array for its whole page at once (one
    aggregate grouped by owner, joined back to the items), not once per item
    in a correlated subquery: on the 100k-claim corpus a page of 25
    recommendations and their four relations took 0.9 ms instead of 1.5
    (bench/).

    The rows reach the aggregate already sorted (by owner, then ``order``),
    rather than through ``json_agg(... ORDER BY ...)``: PostgreSQL 15 sorts
    an ordered aggregate's input once per group, and that cost the page of 25
    recommendations 2.3 ms against 1.8 (prepared, alternating runs). An
    aggregate takes its rows in the order its input gives them, whether
    grouped by sorting or hashing, and ``json_agg`` is never split across
    parallel workers (it has no combine function), so each array keeps the
    order; the payload tests check it against the Python builders. The
    owners are read as an array (``= ANY(ARRAY(...))``), which the link
    table's index is probed with, not joined with ``IN (SELECT ...)``: 2.1
    against 1.9 ms for the same page."""

    item: str
    tables: str
    owner: str
    order: str
    where: str = ""

    def sql(self):
        where = f" AND {self.where}" if self.where else ""
        return (
            f"SELECT id, json_agg(item) AS v FROM (SELECT {self.owner} AS id, {self.item} AS item"
            f" {self.tables} WHERE {self.owner} = ANY(ARRAY(SELECT id FROM page)){where}"
            f" ORDER BY {self.owner}, {self.order}) AS rows GROUP BY id"
        )


class Statement:
    """One statement giving the items of a page, in the page's order: for a
    list of ids (``sql``), or for the ids a page query selects, run inside
    it (:meth:`for_page`), which saves the page's own round trip; or one
    item, looked up inside it (:meth:`for_lookup`).

    ``fields`` are ``(key, SQL expression or Grouped)`` pairs, the item's
    keys in order; the expressions read the item's table as ``alias``."""

    IDS = "%(ids)s::bigint[]"
    _PAGE = f"unnest({IDS}) WITH ORDINALITY AS page(id, n)"

    def __init__(self, table, alias, fields, joins=""):
        ctes = [f"page AS MATERIALIZED (SELECT id, n FROM {self._PAGE})"]
        pairs, grouped_joins = [], []
        for key, value in fields:
            if isinstance(value, Grouped):
                name = f"nested_{len(ctes)}"
                ctes.append(f"{name} AS ({value.sql()})")
                grouped_joins.append(f" LEFT OUTER JOIN {name} ON {name}.id = page.id")
                value = f"COALESCE({name}.v, '[]'::json)"
            pairs.append((key, value))
        body = f" FROM page INNER JOIN {table} {alias} ON {alias}.id = page.id {joins}" + "".join(
            grouped_joins
        )
        self.sql = (
            f"WITH {', '.join(ctes)}"
            f" SELECT COALESCE(json_agg({obj(*pairs)} ORDER BY page.n), '[]'::json)::text{body}"
        )
        # The item itself, not an array of it (no row if there is none).
        self.single_sql = f"WITH {', '.join(ctes)} SELECT {obj(*pairs)}::text{body}"
        self.links = [name for name in LINKS if f"%({name}_0)s" in self.sql]
        # One item (a detail): its id a plain parameter, which a generic plan
        # handles as well as a custom one (an array's length it cannot know).
        self.one_sql = self._from("(SELECT %(id)s::bigint AS id, 1 AS n) AS page")

    def _from(self, page):
        """The statement with ``page`` (rows ``id``, ``n``) for the list of ids."""
        return self.sql.replace(self._PAGE, page)

    def params(self, links, ids=()):
        params = {"ids": bigints(ids)}
        for name in self.links:
            kind, target, key = LINKS[name]
            parts = links.api_parts(target, key) if kind == "api" else links.site_parts(target, key)
            params[f"{name}_0"], params[f"{name}_1"] = parts
        return params

    def for_page(self, links, page_query, offset, limit):
        """``(sql, params)`` with the page's ids selected by ``page_query``
        (``db.page_query``), ``limit`` rows from ``offset``."""
        page = f"ARRAY({page_query} LIMIT {int(limit)} OFFSET {int(offset)})"
        params = self.params(links)
        del params["ids"]
        return self.sql.replace(self.IDS, page), params

    def for_lookup(self, links, lookup, keys):
        """``(sql, params)`` for the item that ``lookup`` (``db.lookup_sql``:
        one column, at most one row, named parameters ``keys``) selects: a
        detail in one statement, lookup included, which gives the item's JSON
        (no row if none). Unlike a page's, the lookup's values stay
        parameters, so the statement reads the same whatever the key and
        stays prepared (a key is unique: a generic plan finds it by its
        index)."""
        params = self.params(links)
        del params["ids"]
        params.update(keys)
        page = f"(SELECT id, 1 AS n FROM ({lookup}) AS lookup(id)) AS page"
        return self.single_sql.replace(self._PAGE, page), params


def _recommendation_fields():
    return [
        ("slug", "r.slug"),
        ("url", link("recommendation_api", "r.slug")),
        ("html_url", link("recommendation_site", "r.slug")),
        ("title", "r.title"),
        ("summary", "r.summary"),
        ("status", "r.status"),
        (
            "documents",
            Grouped(
                ref("d", "document"),
                "FROM editorial_recommendation_documents t"
                " INNER JOIN editorial_document d ON d.id = t.document_id",
                "t.recommendation_id",
                "d.published_on DESC, d.title, d.id",
                where=f"d.state = {PUBLISHED}",
            ),
        ),
        (
            "policies",
            Grouped(
                ref("x", "policy"),
                "FROM editorial_recommendation_policies t"
                " INNER JOIN editorial_policy x ON x.id = t.policy_id",
                "t.recommendation_id",
                "x.title, x.id",
                where=f"x.state = {PUBLISHED}",
            ),
        ),
        (
            "topics",
            Grouped(
                "x.slug",
                "FROM editorial_recommendation_topics t"
                " INNER JOIN editorial_topic x ON x.id = t.topic_id",
                "t.recommendation_id",
                "x.name, x.id",
            ),
        ),
        (
            "actors",
            Grouped(
                "x.slug",
                "FROM editorial_recommendation_actors t"
                " INNER JOIN editorial_actor x ON x.id = t.actor_id",
                "t.recommendation_id",
                "x.name, x.id",
            ),
        ),
        ("created_at", timestamp("r.created_at")),
        ("updated_at", timestamp("r.updated_at")),
    ]


STATUS_HISTORY = Grouped(
    obj(
        ("id", "s.id"),
        ("status", "s.status"),
        ("date", partial_date("s.date", "s.date_precision")),
        ("date_precision", "s.date_precision"),
        ("note", "s.note"),
        ("source", "s.source"),
        ("source_url", "s.source_url"),
        ("policy", f"CASE WHEN x.state = {PUBLISHED} THEN {ref('x', 'policy')} END"),
    ),
    "FROM editorial_statuschange s LEFT OUTER JOIN editorial_policy x ON x.id = s.policy_id",
    "s.recommendation_id",
    "s.date, s.position, s.id",
)

EVIDENCE = Grouped(
    obj(
        ("role", "e.role"),
        ("note", "e.note"),
        (
            "claim",
            obj(
                ("id", "c.id"),
                ("url", link("claim_api", "c.id")),
                ("html_url", link("claim_site", "c.id")),
                ("quote", "c.quote"),
                ("summary", "c.summary"),
                ("kind", "c.kind"),
                ("start_offset", "c.start_offset"),
                ("end_offset", "c.end_offset"),
                ("document", ref("d", "document")),
            ),
        ),
    ),
    "FROM editorial_evidence e INNER JOIN editorial_claim c ON c.id = e.claim_id"
    " INNER JOIN editorial_document d ON d.id = c.document_id",
    "e.recommendation_id",
    "e.position, e.id",
    where=f"c.state = {PUBLISHED} AND d.state = {PUBLISHED}",
)

RECOMMENDATIONS = Statement("editorial_recommendation", "r", _recommendation_fields())
RECOMMENDATION_DETAILS = Statement(
    "editorial_recommendation",
    "r",
    [
        *_recommendation_fields()[:-2],
        ("status_history", STATUS_HISTORY),
        ("evidence", EVIDENCE),
        *_recommendation_fields()[-2:],
    ],
)

# A claim's document is published: the claims endpoint shows only those.
CLAIMS = Statement(
    "editorial_claim",
    "c",
    [
        ("id", "c.id"),
        ("url", link("claim_api", "c.id")),
        ("html_url", link("claim_site", "c.id")),
        ("document", ref("d", "document")),
        ("quote", "c.quote"),
        ("summary", "c.summary"),
        ("kind", "c.kind"),
        ("start_offset", "c.start_offset"),
        ("end_offset", "c.end_offset"),
        (
            "topics",
            Grouped(
                "x.slug",
                "FROM editorial_claim_topics t INNER JOIN editorial_topic x ON x.id = t.topic_id",
                "t.claim_id",
                "x.name, x.id",
            ),
        ),
        ("created_at", timestamp("c.created_at")),
        ("updated_at", timestamp("c.updated_at")),
    ],
    joins="INNER JOIN editorial_document d ON d.id = c.document_id",
)
