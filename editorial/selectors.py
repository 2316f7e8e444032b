"""Reads shaped for the public pages: published rows, and only the published
rows they show, fetched in a fixed number of queries however many there are.

Each function takes a queryset that already went through ``.published()``
(the views' one gate) and adds what its template needs. Related rows are
prefetched through published-only querysets, so a draft policy or a claim of
an unpublished document never reaches a template, and no template has to know
the rule.
"""

import datetime
from typing import NamedTuple

import orjson
from django.db import connection
from django.db.models import (
    Count,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)

from . import fragments
from .api.composed import Grouped, Statement
from .db import NOTHING, lookup_sql, one_of, page_query, prepared_cursor
from .models import Actor, Claim, Document, Evidence, Policy, Recommendation, StatusChange, Topic
from .publishing import State
from .sqljson import PUBLISHED, array, obj

# The full text is large; lists and related rows never need it.
DOCUMENT_LIST_FIELDS = ("body", "notes")

# What a recommendation's card shows (its status date is annotated).
RECOMMENDATION_CARD_FIELDS = (
    "title",
    "slug",
    "summary",
    "status",
    "status_date",
    "status_date_precision",
)


class Tag(NamedTuple):
    """A topic or an actor as a card shows it: a link to the filtered list."""

    slug: str
    name: str


def topic_options(request=None):
    """``(pk, slug, name)`` of every topic by name, cached on the content stamp."""
    return fragments.cached(
        request, "topic-options", lambda: list(Topic.objects.values_list("pk", "slug", "name"))
    )


def actor_options(request=None):
    """``(pk, slug, name)`` of every actor by name, cached on the content stamp."""
    return fragments.cached(
        request, "actor-options", lambda: list(Actor.objects.values_list("pk", "slug", "name"))
    )


def documents_brief():
    """Published documents without their full text (for lists and links)."""
    return Document.objects.published().defer(*DOCUMENT_LIST_FIELDS)


def visible_evidence():
    """Evidence whose claim is visible (a published claim of a published
    document), with the claim and its document, in the editors' order."""
    return (
        Evidence.objects.filter(claim__in=Claim.objects.published())
        .select_related("claim__document")
        .defer(*(f"claim__document__{name}" for name in DOCUMENT_LIST_FIELDS))
        .order_by("position", "pk")
    )


class Card(NamedTuple):
    """A recommendation as a list's card shows it (``templatetags.site``)."""

    pk: int
    title: str
    slug: str
    summary: str
    status: str
    status_date: object
    status_date_precision: str
    topic_tags: list
    actor_tags: list


def recommendation_list(queryset):
    """Recommendations for a list: the columns a card shows (the status date
    is kept on the row, ``Recommendation.refresh_status``), as tuples rather
    than model instances; :func:`cards` adds their topics and actors, once
    paginated."""
    return queryset.values_list("pk", *RECOMMENDATION_CARD_FIELDS)


def _tags(ids):
    """``{(recommendation id, "topic" or "actor"): [Tag, ...]}`` by name, for
    ``ids``, in one statement (written out: the ORM's UNION cost more than
    the query itself; prepared on PostgreSQL)."""
    if not ids:
        return {}
    parts, params = [], []
    for kind, field in (
        ("topic", Recommendation.topics.field),
        ("actor", Recommendation.actors.field),
    ):
        link = field.remote_field.through._meta.db_table
        vocabulary = field.related_model._meta.db_table
        condition, values = one_of("l.recommendation_id", ids)
        parts.append(
            f"SELECT l.recommendation_id, '{kind}', v.name, v.slug FROM {link} l"
            f" INNER JOIN {vocabulary} v ON v.id = l.{kind}_id WHERE {condition}"
        )
        params += values
    with prepared_cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = sorted(cursor.fetchall())
    tags = {}
    for recommendation_id, kind, name, slug in rows:
        tags.setdefault((recommendation_id, kind), []).append(Tag(slug, name))
    return tags


def _tag_links(field):
    """A card's topics or actors (the many-to-many ``field``): ``[slug, name]``
    pairs by name (``Grouped``), read from the tables ``_tags`` reads."""
    link = field.remote_field.through._meta.db_table
    vocabulary = field.related_model._meta.db_table
    column = field.m2m_reverse_name()
    return Grouped(
        "json_build_array(x.slug, x.name)",
        f"FROM {link} t INNER JOIN {vocabulary} x ON x.id = t.{column}",
        f"t.{field.m2m_column_name()}",
        "x.name, x.slug",
    )


# The cards of a page of a list, tags included, in one statement (PostgreSQL).
CARDS = Statement(
    "editorial_recommendation",
    "r",
    [
        ("pk", "r.id"),
        *((name, f"r.{name}") for name in RECOMMENDATION_CARD_FIELDS),
        ("topic_tags", _tag_links(Recommendation.topics.field)),
        ("actor_tags", _tag_links(Recommendation.actors.field)),
    ],
)


def cards(rows, *, shape=None):
    """:class:`Card` for each row of :func:`recommendation_list`, with its
    topics and actors: one query for the whole page.

    On PostgreSQL, given the page (a sliced queryset), one statement reads
    the page's ids, their rows and their tags (``CARDS``): the list's walk
    reads only ids off its index, and the rows of the 25 shown alone; with
    the tags' own query, two round trips were one too many.

    ``shape`` (hashable), if given, says that ``rows``' query, limits aside,
    is the same for every call with that shape (a list and its filters'
    values): it is then compiled once per process (``db.page_query``)."""
    paged = isinstance(rows, QuerySet) and rows.query.high_mark is not None
    if connection.vendor == "postgresql" and paged:
        offset, limit = rows.query.low_mark, rows.query.high_mark - rows.query.low_mark
        if limit <= 0:
            return []
        page = page_query(rows, shape=shape)
        if page is NOTHING:
            return []
        if page is not None:
            sql, params = CARDS.for_page(None, page, offset, limit)
            with prepared_cursor(rows.db) as cursor:
                cursor.execute(sql, params)
                items = orjson.loads(cursor.fetchone()[0])
            return [_card(**item) for item in items]
    rows = list(rows)
    tags = _tags([row[0] for row in rows])
    return [
        Card(*row, tags.get((row[0], "topic"), []), tags.get((row[0], "actor"), [])) for row in rows
    ]


def _card(*, status_date, topic_tags, actor_tags, **fields):
    return Card(
        **fields,
        status_date=status_date and datetime.date.fromisoformat(status_date),
        topic_tags=[Tag(*tag) for tag in topic_tags],
        actor_tags=[Tag(*tag) for tag in actor_tags],
    )


def attach_tags(recommendations):
    """Give each recommendation ``topic_tags`` and ``actor_tags``: lists of
    :class:`Tag` by name, in one query. Returns the recommendations as a list."""
    recommendations = list(recommendations)
    tags = _tags([item.pk for item in recommendations])
    for item in recommendations:
        item.topic_tags = tags.get((item.pk, "topic"), [])
        item.actor_tags = tags.get((item.pk, "actor"), [])
    return recommendations


# What the recommendation page shows of its related rows.
TIMELINE_FIELDS = (
    "recommendation_id",
    "status",
    "date",
    "date_precision",
    "note",
    "source",
    "source_url",
    "policy__title",
    "policy__slug",
    "policy__state",
)
EVIDENCE_FIELDS = (
    "recommendation_id",
    "role",
    "note",
    "claim__quote",
    "claim__document__slug",
    "claim__document__title",
    "claim__document__published_on",
    "claim__document__published_precision",
)
DOCUMENT_BRIEF_FIELDS = ("title", "slug", "authors", "published_on", "published_precision")


def recommendation_detail(queryset):
    """A recommendation with everything its page shows, published-only, each
    related row with only the columns the page uses. Its topics and actors
    come from :func:`attach_tags`, its status history from
    :func:`status_timeline`."""
    return queryset.only(*RECOMMENDATION_CARD_FIELDS).prefetch_related(
        Prefetch(
            "status_changes",
            queryset=StatusChange.objects.select_related("policy")
            .only(*TIMELINE_FIELDS)
            .order_by("date", "position", "pk"),
        ),
        Prefetch("evidence", queryset=visible_evidence().only(*EVIDENCE_FIELDS)),
        Prefetch(
            "policies",
            queryset=Policy.objects.published().only(
                "title", "slug", "instrument", "adopted_on", "adopted_precision"
            ),
        ),
        Prefetch("documents", queryset=Document.objects.published().only(*DOCUMENT_BRIEF_FIELDS)),
    )


# The recommendation page on PostgreSQL: everything it shows in one prepared
# statement (the ORM's five queries with prefetches cost more to build than
# to run), published-only exactly as recommendation_detail's prefetches, in
# their orders. Rows come back as unsaved model instances, so the template
# and the ORM path share everything else.
_DOCUMENT = obj(
    ("id", "d.id"),
    ("title", "d.title"),
    ("slug", "d.slug"),
    ("authors", "d.authors"),
    ("published_on", "d.published_on"),
    ("published_precision", "d.published_precision"),
)
_TAGS = (
    "FROM editorial_recommendation_{kind}s t INNER JOIN editorial_{kind} x ON x.id = t.{kind}_id"
    " WHERE t.recommendation_id = r.id"
)
RECOMMENDATION_PAGE = (
    "SELECT "
    + obj(
        ("id", "r.id"),
        ("title", "r.title"),
        ("slug", "r.slug"),
        ("summary", "r.summary"),
        ("status", "r.status"),
        ("status_date", "r.status_date"),
        ("status_date_precision", "r.status_date_precision"),
        (
            "documents",
            array(
                _DOCUMENT,
                "FROM editorial_recommendation_documents t"
                " INNER JOIN editorial_document d ON d.id = t.document_id"
                f" WHERE t.recommendation_id = r.id AND d.state = {PUBLISHED}",
                "d.published_on DESC, d.title, d.id",
            ),
        ),
        (
            "policies",
            array(
                obj(
                    ("id", "x.id"),
                    ("title", "x.title"),
                    ("slug", "x.slug"),
                    ("instrument", "x.instrument"),
                    ("adopted_on", "x.adopted_on"),
                    ("adopted_precision", "x.adopted_precision"),
                ),
                "FROM editorial_recommendation_policies t"
                " INNER JOIN editorial_policy x ON x.id = t.policy_id"
                f" WHERE t.recommendation_id = r.id AND x.state = {PUBLISHED}",
                "x.adopted_on DESC, x.title, x.id",
            ),
        ),
        (
            "status_changes",
            array(
                obj(
                    ("id", "s.id"),
                    ("status", "s.status"),
                    ("date", "s.date"),
                    ("date_precision", "s.date_precision"),
                    ("note", "s.note"),
                    ("source", "s.source"),
                    ("source_url", "s.source_url"),
                    (
                        "policy",
                        f"CASE WHEN x.state = {PUBLISHED} THEN"
                        f" {obj(('id', 'x.id'), ('title', 'x.title'), ('slug', 'x.slug'))} END",
                    ),
                ),
                "FROM editorial_statuschange s"
                " LEFT OUTER JOIN editorial_policy x ON x.id = s.policy_id"
                " WHERE s.recommendation_id = r.id",
                "s.date, s.position, s.id",
            ),
        ),
        (
            "evidence",
            array(
                obj(
                    ("id", "e.id"),
                    ("role", "e.role"),
                    ("note", "e.note"),
                    ("claim", obj(("id", "c.id"), ("quote", "c.quote"), ("document", _DOCUMENT))),
                ),
                "FROM editorial_evidence e INNER JOIN editorial_claim c ON c.id = e.claim_id"
                " INNER JOIN editorial_document d ON d.id = c.document_id"
                f" WHERE e.recommendation_id = r.id AND c.state = {PUBLISHED}"
                f" AND d.state = {PUBLISHED}",
                "e.position, e.id",
            ),
        ),
        (
            "topics",
            array(obj(("slug", "x.slug"), ("name", "x.name")), _TAGS.format(kind="topic"), "1"),
        ),
        (
            "actors",
            array(obj(("slug", "x.slug"), ("name", "x.name")), _TAGS.format(kind="actor"), "1"),
        ),
    )
    + "::text FROM editorial_recommendation r WHERE r.id = "
)  # + (the lookup of its id)


class RecommendationPage(NamedTuple):
    recommendation: Recommendation
    documents: list
    policies: list
    status_changes: list  # oldest first; a change's unpublished policy is None
    evidence: list


def recommendation_page(published_recommendations, slug):
    """What the recommendation page shows, or None if ``slug`` names no
    published recommendation. On PostgreSQL one prepared statement, which
    looks the id up (the one gate, ``.published()``) and reads the rest."""
    if connection.vendor != "postgresql":
        recommendation = recommendation_detail(published_recommendations).filter(slug=slug).first()
        if recommendation is None:
            return None
        attach_tags([recommendation])
        return RecommendationPage(
            recommendation,
            list(recommendation.documents.all()),
            list(recommendation.policies.all()),
            status_timeline(recommendation),
            list(recommendation.evidence.all()),
        )
    # The lookup inside the statement, its values parameters: one query, and
    # one prepared statement for every slug.
    lookup = lookup_sql(published_recommendations.filter(slug=slug))
    if lookup is None:
        return None
    lookup, params = lookup
    with prepared_cursor() as cursor:
        cursor.execute(f"{RECOMMENDATION_PAGE}({lookup})", params)
        row = cursor.fetchone()
    if row is None:
        return None
    data = orjson.loads(row[0])
    recommendation = Recommendation(
        **_fields(data, "id", "title", "slug", "summary", "status", "status_date_precision"),
        status_date=_date(data["status_date"]),
    )
    # By name, as _tags orders them.
    for kind in ("topic", "actor"):
        tags = sorted((t["name"], t["slug"]) for t in data[f"{kind}s"])
        setattr(recommendation, f"{kind}_tags", [Tag(slug, name) for name, slug in tags])
    changes = [
        StatusChange(
            **_fields(row, "id", "status", "date_precision", "note", "source", "source_url"),
            date=_date(row["date"]),
            recommendation=recommendation,
            policy=Policy(**row["policy"]) if row["policy"] else None,
        )
        for row in data["status_changes"]
    ]
    evidence = [
        Evidence(
            **_fields(row, "id", "role", "note"),
            recommendation=recommendation,
            claim=Claim(
                id=row["claim"]["id"],
                quote=row["claim"]["quote"],
                document=_document(row["claim"]["document"]),
            ),
        )
        for row in data["evidence"]
    ]
    policies = [
        Policy(
            **_fields(row, "id", "title", "slug", "instrument", "adopted_precision"),
            adopted_on=_date(row["adopted_on"]),
        )
        for row in data["policies"]
    ]
    documents = [_document(row) for row in data["documents"]]
    return RecommendationPage(recommendation, documents, policies, changes, evidence)


def _fields(row, *names):
    return {name: row[name] for name in names}


def _date(text):
    return None if text is None else datetime.date.fromisoformat(text)


def _document(row):
    return Document(
        **_fields(row, "id", "title", "slug", "authors", "published_precision"),
        published_on=_date(row["published_on"]),
    )


def status_timeline(recommendation):
    """The status changes of a recommendation (prefetched by
    :func:`recommendation_detail`), oldest first. A change may name a policy
    that is not (or no longer) published: it is left out (``policy`` is None),
    so the page cannot link to it."""
    changes = list(recommendation.status_changes.all())
    for change in changes:
        if change.policy_id is not None and change.policy.state != State.PUBLISHED:
            change.policy = None
    return changes


def recent_status_changes(published_recommendations, *, limit, brief=False):
    """The latest status changes of published recommendations, newest first
    (read backwards along the ``statuschange_chronology`` index). ``brief``:
    only what the home page shows."""
    changes = (
        StatusChange.objects.filter(recommendation__in=published_recommendations)
        .select_related("recommendation")
        .order_by("-date", "-position", "-pk")
    )
    if brief:
        changes = changes.only(
            "date", "date_precision", "status", "note", "recommendation__title",
            "recommendation__slug",
        )  # fmt: skip
    return changes[:limit]


def status_counts(published_recommendations, request=None):
    """``{status: count}`` of published recommendations, in one query (an
    index-only scan of ``recommendation_by_status``), cached on the content
    stamp."""

    def compute():
        rows = published_recommendations.order_by().values("status").annotate(n=Count("pk"))
        return {row["status"]: row["n"] for row in rows}

    return fragments.cached(request, "status-counts", compute)


def document_list(queryset):
    """Documents for a list, in its order (``with_counts`` adds the page's counts)."""
    return queryset.defer(*DOCUMENT_LIST_FIELDS).order_by("-published_on", "title", "pk")


def with_counts(page):
    """``page`` (a slice of ``document_list``) with how many published
    claims and recommendations each document has, in one query.

    Counted by a subquery for the page's rows alone: PostgreSQL reads the
    page's ids off its index, then counts for those. Grouped over a join of
    every claim, the list took 235 ms a page on the 100k-claim corpus;
    counted for every row up to the page's end, 19 ms for page 40; now
    about 2 at any page (bench/ database)."""
    return document_list(page.model.objects.filter(pk__in=page.values("pk"))).annotate(
        claim_count=_count_of(Claim.objects.filter(document=OuterRef("pk"))),
        recommendation_count=_count_of(Recommendation.objects.filter(documents=OuterRef("pk"))),
    )


def _count_of(queryset):
    """The number of published rows of ``queryset``, as a subquery."""
    published = queryset.filter(state=State.PUBLISHED).order_by()
    return Subquery(
        published.annotate(n=Func("pk", function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


class ClaimMark(NamedTuple):
    """A claim as the document page highlights and lists it."""

    pk: int
    start_offset: int
    end_offset: int
    anchor_problem: str
    summary: str


# The document page's claims and recommendations on PostgreSQL, in one
# prepared statement (the document itself comes from the ORM, .published()).
DOCUMENT_PAGE = (
    "SELECT json_build_array("
    "COALESCE((SELECT json_agg(json_build_array(c.id, c.start_offset, c.end_offset,"
    " c.anchor_problem, c.summary) ORDER BY c.start_offset, c.id) FROM editorial_claim c"
    f" WHERE c.document_id = %(id)s AND c.state = {PUBLISHED} AND c.anchor_problem = ''),"
    " '[]'::json),"
    " COALESCE((SELECT json_agg(json_build_array(r.id, r.title, r.slug, r.summary, r.status,"
    " r.status_date, r.status_date_precision) ORDER BY r.title, r.id)"
    " FROM editorial_recommendation_documents t"
    " INNER JOIN editorial_recommendation r ON r.id = t.recommendation_id"
    f" WHERE t.document_id = %(id)s AND r.state = {PUBLISHED}), '[]'::json))::text"
)


def document_page(published_claims, published_recommendations, document):
    """``(claims, recommendations)`` of the (published) ``document``'s page:
    :func:`document_claims` and :func:`document_recommendations`, in one
    statement on PostgreSQL."""
    if connection.vendor != "postgresql":
        return (
            document_claims(published_claims, document),
            document_recommendations(published_recommendations, document),
        )
    with prepared_cursor() as cursor:
        cursor.execute(DOCUMENT_PAGE, {"id": document.pk})
        claims, recommendations = orjson.loads(cursor.fetchone()[0])
    return (
        [ClaimMark(*row) for row in claims],
        [Card(*row[:5], _date(row[5]), row[6], [], []) for row in recommendations],
    )


def document_claims(published_claims, document):
    """The visible, anchored claims of ``document`` in text order (for
    highlighting), as :class:`ClaimMark` tuples: a long paper has dozens, and
    model instances cost more than the page's queries."""
    rows = (
        published_claims.filter(document=document, anchor_problem="")
        .order_by("start_offset", "pk")
        .values_list(*ClaimMark._fields)
    )
    return [ClaimMark(*row) for row in rows]


def document_recommendations(published_recommendations, document):
    """The published recommendations ``document`` makes, as cards (no tags)."""
    rows = (
        published_recommendations.filter(documents=document)
        .order_by("title", "pk")
        .values_list("pk", *RECOMMENDATION_CARD_FIELDS)
    )
    return [Card(*row, [], []) for row in rows]


def claim_list(queryset):
    return (
        queryset.select_related("document")
        .defer(*(f"document__{name}" for name in DOCUMENT_LIST_FIELDS))
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("name")))
    )


def claim_detail(queryset, published_recommendations):
    """A claim with its document (whose text gives the quote its context),
    the published recommendations it is evidence for, and the published
    policies it discusses."""
    return queryset.select_related("document").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("name")),
        Prefetch(
            "evidence",
            queryset=Evidence.objects.filter(recommendation__in=published_recommendations)
            .select_related("recommendation")
            .order_by("recommendation__title"),
            to_attr="visible_evidence",
        ),
        Prefetch("policies", queryset=Policy.objects.published()),
    )


def policy_list(queryset):
    return queryset.prefetch_related(Prefetch("actors", queryset=Actor.objects.order_by("name")))


def policy_detail(queryset, published_claims, published_recommendations):
    """A policy with its actors, the visible claims that discuss it, the
    published recommendations related to it, and the status changes (of
    published recommendations) it enacted."""
    return queryset.prefetch_related(
        Prefetch("actors", queryset=Actor.objects.order_by("name")),
        Prefetch(
            "claims",
            queryset=claim_list(published_claims).order_by("document__title", "start_offset"),
        ),
        Prefetch(
            "recommendations",
            queryset=published_recommendations.order_by("title"),
        ),
        Prefetch(
            "status_changes",
            queryset=StatusChange.objects.filter(recommendation__in=published_recommendations)
            .select_related("recommendation")
            .order_by("date", "position", "pk"),
            to_attr="visible_status_changes",
        ),
    )


def feed_status_changes(*, limit):
    """Status changes of published recommendations for the Atom feed."""
    return recent_status_changes(Recommendation.objects.published(), limit=limit)
