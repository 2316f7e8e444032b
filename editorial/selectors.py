"""Reads shaped for the public pages: published rows, and only the published
rows they show, fetched in a fixed number of queries however many there are.

Each function takes a queryset that already went through ``.published()``
(the views' one gate) and adds what its template needs. Related rows are
prefetched through published-only querysets, so a draft policy or a claim of
an unpublished document never reaches a template, and no template has to know
the rule.
"""

from typing import NamedTuple

from django.db.models import Count, Prefetch, Q

from . import fragments
from .db import one_of, prepared_cursor
from .models import Actor, Claim, Document, Evidence, Policy, Recommendation, StatusChange, Topic
from .publishing import State

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


def cards(rows):
    """:class:`Card` for each row of :func:`recommendation_list`, with its
    topics and actors: one query for the whole page."""
    rows = list(rows)
    tags = _tags([row[0] for row in rows])
    return [
        Card(*row, tags.get((row[0], "topic"), []), tags.get((row[0], "actor"), [])) for row in rows
    ]


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
    """Documents for a list, with how many published claims and
    recommendations each has (counted in the same query)."""
    # Meta.ordering does not apply to a grouped query: order explicitly.
    return (
        queryset.defer(*DOCUMENT_LIST_FIELDS)
        .order_by("-published_on", "title")
        .annotate(
            claim_count=Count(
                "claims",
                filter=Q(claims__state=State.PUBLISHED),
                distinct=True,
            ),
            recommendation_count=Count(
                "recommendations",
                filter=Q(recommendations__state=State.PUBLISHED),
                distinct=True,
            ),
        )
    )


def document_detail(queryset, published_claims, published_recommendations):
    """A document with its visible claims (in text order, for highlighting)
    and the published recommendations it makes."""
    return queryset.prefetch_related(
        Prefetch(
            "claims",
            queryset=published_claims.filter(anchor_problem="")
            .only("document_id", "start_offset", "end_offset", "anchor_problem", "summary")
            .order_by("start_offset", "pk"),
            to_attr="visible_claims",
        ),
        Prefetch(
            "recommendations",
            queryset=published_recommendations.only(*RECOMMENDATION_CARD_FIELDS).order_by("title"),
        ),
    )


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
