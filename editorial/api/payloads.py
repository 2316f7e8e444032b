"""The API's representations, built from ``.values()`` rows.

The serializers in ``serializers.py`` describe every representation (the
OpenAPI schema and the CSV header come from them); this module produces the
same dicts without a model instance or a serializer field per row: one
``.values()`` query for the page (or the object) and one per nested relation
for all of its rows at once, grouped here in Python. On PostgreSQL the
claims and recommendations, whose items nest the most, are composed by the
database instead, in one prepared statement for the whole page
(``composed``): the page query then reads only ids. ``tests/test_api_payloads.py``
checks that all of these agree, item for item, on every endpoint.

Visibility is decided here exactly as by the viewsets' prefetches: a nested
document, policy or claim appears only if it is published (a claim only if
its document is too).
"""

import datetime
from collections import defaultdict

import orjson
from django.db import connections
from django.db.models import QuerySet

from .. import db, search
from ..dates import iso_at_precision
from ..db import lookup_sql, prepared_cursor
from ..models import (
    Actor,
    Claim,
    Document,
    Evidence,
    Policy,
    Recommendation,
    StatusChange,
    Topic,
)
from ..publishing import State
from . import composed
from .serializers import Links

PUBLISHED = State.PUBLISHED
UTC = datetime.UTC


def timestamp(value):
    """A datetime as DRF's ``DateTimeField`` shows it: ISO 8601 in UTC, with ``Z``."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def partial_date(date, precision):
    return None if date is None else iso_at_precision(date, precision)


def _grouped(rows):
    """``{owner id: [rest of the row, ...]}`` from ``(owner id, ...)`` tuples, in order."""
    groups = defaultdict(list)
    for owner, *rest in rows:
        groups[owner].append(rest[0] if len(rest) == 1 else rest)
    return groups


def _slugs(through, owner, other, ids):
    """The slugs of a vocabulary (topics, actors) by owner, in the vocabulary's order."""
    return _grouped(
        through.objects.filter(**{f"{owner}_id__in": ids})
        .order_by(f"{other}__name", f"{other}_id")
        .values_list(f"{owner}_id", f"{other}__slug")
    )


# The related items a recommendation shows, in one query (``_references``):
# relation -> (the column shown beside the slug, the order, published only?).
RECOMMENDATION_REFERENCES = {
    "documents": ("title", "-published_on", True),
    "policies": ("title", None, True),
    "topics": ("name", None, False),
    "actors": ("name", None, False),
}


def _references(model, relations, ids):
    """For the rows ``ids`` of ``model``: ``{relation: {id: [(slug, label), ...]}}``
    for each of its many-to-many ``relations``, in one UNION ALL query in
    plain SQL (one round trip, nothing for the ORM to compile), each list in
    the order the relation is shown in: ``order`` (a date column, newest
    first), then the label, then the id, collated by the database."""
    result = {name: defaultdict(list) for name in relations}
    if not ids:
        return result
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(ids))
    parts, params = [], []
    for index, (name, (label, order, published)) in enumerate(relations.items()):
        field = model._meta.get_field(name)
        target = field.related_model
        owner_column = quote(field.m2m_column_name())
        sort = f"x.{quote(order.lstrip('-'))}" if order else "NULL"
        sql = (
            f"SELECT {index} AS relation, t.{owner_column} AS owner, x.{quote('slug')}, "
            f"x.{quote(label)} AS label, {sort} AS newest, x.{quote('id')} AS target "
            f"FROM {quote(field.remote_field.through._meta.db_table)} t "
            f"INNER JOIN {quote(target._meta.db_table)} x "
            f"ON x.{quote('id')} = t.{quote(field.m2m_reverse_name())} "
            f"WHERE t.{owner_column} IN ({placeholders})"
        )
        params.extend(ids)
        if published:
            sql += f" AND x.{quote('state')} = %s"
            params.append(PUBLISHED)
        parts.append(sql)
    # Only documents have a date to order by (NULL elsewhere): newest first.
    sql = " UNION ALL ".join(parts) + " ORDER BY 1, 2, 5 DESC, 4, 6"
    names = list(relations)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for relation, owner, slug, label, _, _ in cursor.fetchall():
            result[names[relation]][owner].append((slug, label))
    return result


class Builder:
    """Builds the items of one kind for one request."""

    model = None
    api_name = None
    key = "slug"  # what its URLs are keyed on: "slug" or "pk"
    fields = ()  # the .values() the item is built from
    detail_fields = None
    list_statement = detail_statement = None  # composed.Statement, on PostgreSQL

    def __init__(self, request):
        self.links = Links.of(request)

    def url(self, key):
        return self.links.api(f"api:{self.api_name}-detail", self.key, key)

    def values(self, queryset, *, detail=False):
        """What :meth:`items` is given: the ids of the rows where a statement
        composes the items, else the ``.values()`` they are built from."""
        if self.statement(detail=detail) is not None:
            return queryset.values_list("pk", flat=True)
        fields = self.detail_fields if detail and self.detail_fields else self.fields
        return queryset.values(*fields)

    def statement(self, *, detail=False):
        """The statement composing these items on PostgreSQL (``composed``), or None."""
        statement = self.detail_statement if detail else self.list_statement
        if statement is None or connections[self.model.objects.db].vendor != "postgresql":
            return None
        return statement

    def items(self, rows, *, detail=False):
        """The items for ``rows`` (from :meth:`values`), in their order."""
        statement = self.statement(detail=detail)
        if statement is None:
            return self.build(rows, detail=detail)
        return orjson.loads(self._composed(statement, rows))

    def page(self, rows, *, shape=None):
        """A page's ``results`` for the JSON renderer: the items, or where the
        database composed them, its JSON as it is (``orjson.Fragment``).

        ``shape`` (hashable), if given, says that ``rows``' query, limits
        aside, is the same for every request with that shape (a list
        unfiltered): the query is then compiled once per process
        (``db.page_query``)."""
        statement = self.statement()
        if statement is None:
            return self.build(rows)
        return orjson.Fragment(self._composed(statement, rows, shape=shape))

    def _composed(self, statement, rows, *, shape=None):
        """The items' JSON for ``rows``: a list of ids, or a page of a query
        of ids (a sliced ``values_list("pk")``) or of a search's ranked
        matches (``search.RankedPage``), which the statement then runs itself."""
        sql = None
        if isinstance(rows, search.RankedPage):
            page_query = rows.sql
            if page_query is None:
                return "[]"
            if search.asked_before((page_query, rows.offset, rows.limit), rows.db):
                # The ranking's statement inside this one: the page's ids never leave it.
                sql, params = statement.for_page(self.links, page_query, rows.offset, rows.limit)
        elif isinstance(rows, QuerySet):
            offset, limit = rows.query.low_mark, rows.query.high_mark - rows.query.low_mark
            if limit <= 0:
                return "[]"
            page_query = db.page_query(rows, shape=shape)
            if page_query is db.NOTHING:
                return "[]"
            if page_query is not None:
                sql, params = statement.for_page(self.links, page_query, offset, limit)
        if sql is None:
            ids = list(rows)
            if not ids:
                return "[]"
            sql, params = statement.sql, statement.params(self.links, ids)
            if len(ids) == 1:
                sql, params["id"] = statement.one_sql, params["ids"][0]
        with prepared_cursor(self.model.objects.db) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def lookup(self, queryset):
        """The detail item of the row ``queryset`` selects (a lookup by its
        key), or None if there is none. Where a statement composes details,
        the lookup runs inside it (one query, not two) and the item is its
        JSON as it is (``orjson.Fragment``), for the JSON renderer."""
        statement = self.statement(detail=True)
        if statement is None:
            rows = list(self.values(queryset, detail=True)[:1])
            return self.build(rows, detail=True)[0] if rows else None
        lookup = lookup_sql(queryset)
        if lookup is None:
            return None
        sql, params = statement.for_lookup(self.links, *lookup)
        with prepared_cursor(queryset.db) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else orjson.Fragment(row[0])

    def build(self, rows, *, detail=False):
        """The items for ``.values()`` rows, made in Python."""
        raise NotImplementedError

    # Compact references ---------------------------------------------------

    def ref(self, model, api_name, slug, title):
        return {
            "slug": slug,
            "title": title,
            "url": self.links.api(f"api:{api_name}-detail", "slug", slug),
            "html_url": self.links.site(model, "slug", slug),
        }


TRACKED = ("created_at", "updated_at")


class VocabularyBuilder(Builder):
    fields = ("slug", "name", "description", *TRACKED)

    def build(self, rows, *, detail=False):
        return [
            {
                "slug": row["slug"],
                "url": self.url(row["slug"]),
                "name": row["name"],
                "description": row["description"],
                "created_at": timestamp(row["created_at"]),
                "updated_at": timestamp(row["updated_at"]),
            }
            for row in rows
        ]


class TopicBuilder(VocabularyBuilder):
    model, api_name = Topic, "topic"


class ActorBuilder(VocabularyBuilder):
    model, api_name = Actor, "actor"


class DocumentBuilder(Builder):
    model, api_name = Document, "document"
    fields = (
        "slug",
        "title",
        "authors",
        "publisher",
        "series",
        "identifier",
        "kind",
        "language",
        "published_on",
        "published_precision",
        "url",
        "abstract",
        *TRACKED,
    )
    detail_fields = (*fields, "body")

    def build(self, rows, *, detail=False):
        items = []
        for row in rows:
            slug = row["slug"]
            item = {
                "slug": slug,
                "url": self.url(slug),
                "html_url": self.links.site(Document, "slug", slug),
                "title": row["title"],
                "authors": [line.strip() for line in row["authors"].splitlines() if line.strip()],
                "publisher": row["publisher"],
                "series": row["series"],
                "identifier": row["identifier"],
                "kind": row["kind"],
                "language": row["language"],
                "published_on": partial_date(row["published_on"], row["published_precision"]),
                "published_precision": row["published_precision"],
                "external_url": row["url"],
                "abstract": row["abstract"],
                "created_at": timestamp(row["created_at"]),
                "updated_at": timestamp(row["updated_at"]),
            }
            if detail:
                item["body"] = row["body"]
            items.append(item)
        return items


class ClaimBuilder(Builder):
    model, api_name, key = Claim, "claim", "pk"
    list_statement = detail_statement = composed.CLAIMS
    fields = (
        "id",
        "document__slug",
        "document__title",
        "quote",
        "summary",
        "kind",
        "start_offset",
        "end_offset",
        *TRACKED,
    )

    def build(self, rows, *, detail=False):
        rows = list(rows)
        topics = _slugs(Claim.topics.through, "claim", "topic", [row["id"] for row in rows])
        return [
            {
                "id": row["id"],
                "url": self.url(row["id"]),
                "html_url": self.links.site(Claim, "pk", row["id"]),
                "document": self.ref(
                    Document, "document", row["document__slug"], row["document__title"]
                ),
                "quote": row["quote"],
                "summary": row["summary"],
                "kind": row["kind"],
                "start_offset": row["start_offset"],
                "end_offset": row["end_offset"],
                "topics": topics.get(row["id"], []),
                "created_at": timestamp(row["created_at"]),
                "updated_at": timestamp(row["updated_at"]),
            }
            for row in rows
        ]


class PolicyBuilder(Builder):
    model, api_name = Policy, "policy"
    fields = (
        "id",
        "slug",
        "title",
        "instrument",
        "adopted_on",
        "adopted_precision",
        "summary",
        "url",
        *TRACKED,
    )

    def build(self, rows, *, detail=False):
        rows = list(rows)
        ids = [row["id"] for row in rows]
        actors = _slugs(Policy.actors.through, "policy", "actor", ids)
        claims = _grouped(
            Policy.claims.through.objects.filter(
                policy_id__in=ids,
                claim__state=PUBLISHED,
                claim__document__state=PUBLISHED,
            )
            .order_by("claim_id")
            .values_list("policy_id", "claim_id")
        )
        return [
            {
                "slug": row["slug"],
                "url": self.url(row["slug"]),
                "html_url": self.links.site(Policy, "slug", row["slug"]),
                "title": row["title"],
                "instrument": row["instrument"],
                "adopted_on": partial_date(row["adopted_on"], row["adopted_precision"]),
                "adopted_precision": row["adopted_precision"],
                "actors": actors.get(row["id"], []),
                "summary": row["summary"],
                "external_url": row["url"],
                "claims": claims.get(row["id"], []),
                "created_at": timestamp(row["created_at"]),
                "updated_at": timestamp(row["updated_at"]),
            }
            for row in rows
        ]


def _status_change(builder, row, prefix=""):
    """The fields of a status change common to its two representations."""
    policy = None
    if row[f"{prefix}policy__state"] == PUBLISHED:
        policy = builder.ref(
            Policy, "policy", row[f"{prefix}policy__slug"], row[f"{prefix}policy__title"]
        )
    return {
        "status": row[f"{prefix}status"],
        "date": partial_date(row[f"{prefix}date"], row[f"{prefix}date_precision"]),
        "date_precision": row[f"{prefix}date_precision"],
        "note": row[f"{prefix}note"],
        "source": row[f"{prefix}source"],
        "source_url": row[f"{prefix}source_url"],
        "policy": policy,
    }


STATUS_CHANGE_FIELDS = (
    "id",
    "status",
    "date",
    "date_precision",
    "note",
    "source",
    "source_url",
    "policy__slug",
    "policy__title",
    "policy__state",
)


class RecommendationBuilder(Builder):
    model, api_name = Recommendation, "recommendation"
    list_statement = composed.RECOMMENDATIONS
    detail_statement = composed.RECOMMENDATION_DETAILS
    fields = ("id", "slug", "title", "summary", "status", *TRACKED)

    def build(self, rows, *, detail=False):
        rows = list(rows)
        ids = [row["id"] for row in rows]
        related = _references(Recommendation, RECOMMENDATION_REFERENCES, ids)
        documents, policies, topics, actors = (related[name] for name in RECOMMENDATION_REFERENCES)
        if detail:
            history = self.status_history(ids)
            evidence = self.evidence(ids)
        items = []
        for row in rows:
            pk, slug = row["id"], row["slug"]
            item = {
                "slug": slug,
                "url": self.url(slug),
                "html_url": self.links.site(Recommendation, "slug", slug),
                "title": row["title"],
                "summary": row["summary"],
                "status": row["status"],
                "documents": [
                    self.ref(Document, "document", *ref) for ref in documents.get(pk, [])
                ],
                "policies": [self.ref(Policy, "policy", *ref) for ref in policies.get(pk, [])],
                "topics": [slug for slug, _ in topics.get(pk, [])],
                "actors": [slug for slug, _ in actors.get(pk, [])],
                "created_at": timestamp(row["created_at"]),
                "updated_at": timestamp(row["updated_at"]),
            }
            if detail:
                item["status_history"] = history.get(pk, [])
                item["evidence"] = evidence.get(pk, [])
            items.append(item)
        return items

    def status_history(self, ids):
        history = defaultdict(list)
        rows = (
            StatusChange.objects.filter(recommendation_id__in=ids)
            .order_by("date", "position", "pk")
            .values("recommendation_id", *STATUS_CHANGE_FIELDS)
        )
        for row in rows:
            history[row["recommendation_id"]].append({"id": row["id"], **_status_change(self, row)})
        return history

    def evidence(self, ids):
        evidence = defaultdict(list)
        rows = (
            Evidence.objects.filter(
                recommendation_id__in=ids,
                claim__state=PUBLISHED,
                claim__document__state=PUBLISHED,
            )
            .order_by("position", "pk")
            .values(
                "recommendation_id",
                "role",
                "note",
                "claim_id",
                "claim__quote",
                "claim__summary",
                "claim__kind",
                "claim__start_offset",
                "claim__end_offset",
                "claim__document__slug",
                "claim__document__title",
            )
        )
        for row in rows:
            claim = row["claim_id"]
            evidence[row["recommendation_id"]].append(
                {
                    "role": row["role"],
                    "note": row["note"],
                    "claim": {
                        "id": claim,
                        "url": self.links.api("api:claim-detail", "pk", claim),
                        "html_url": self.links.site(Claim, "pk", claim),
                        "quote": row["claim__quote"],
                        "summary": row["claim__summary"],
                        "kind": row["claim__kind"],
                        "start_offset": row["claim__start_offset"],
                        "end_offset": row["claim__end_offset"],
                        "document": self.ref(
                            Document,
                            "document",
                            row["claim__document__slug"],
                            row["claim__document__title"],
                        ),
                    },
                }
            )
        return evidence


class StatusChangeBuilder(Builder):
    model, api_name, key = StatusChange, "status-change", "pk"
    fields = (
        *STATUS_CHANGE_FIELDS,
        "recommendation__slug",
        "recommendation__title",
        *TRACKED,
    )

    def build(self, rows, *, detail=False):
        items = []
        for row in rows:
            pk, slug = row["id"], row["recommendation__slug"]
            items.append(
                {
                    "id": pk,
                    "url": self.url(pk),
                    "recommendation": self.ref(
                        Recommendation, "recommendation", slug, row["recommendation__title"]
                    ),
                    **_status_change(self, row),
                    "created_at": timestamp(row["created_at"]),
                    "updated_at": timestamp(row["updated_at"]),
                }
            )
        return items
