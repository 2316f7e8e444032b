"""The API builds its items from ``.values()`` rows (``editorial.api.payloads``)
while its serializers describe them for the schema and the CSV header: both
must agree, item for item, on every endpoint, drafts and all."""

import pytest
from django.db.models import Prefetch, prefetch_related_objects
from django.test import RequestFactory

from editorial.api import serializers
from editorial.models import (
    Actor,
    Claim,
    Document,
    Evidence,
    Policy,
    Recommendation,
    StatusChange,
    Topic,
)

from .api_data import bulk_world, world

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _refs(model):
    return model.objects.published().only("id", "slug", "title")


def _slugs(model):
    return model.objects.only("id", "slug")


def _recommendation_prefetches():
    return [
        Prefetch("documents", queryset=_refs(Document).order_by("-published_on", "title", "pk")),
        Prefetch("policies", queryset=_refs(Policy).order_by("title", "pk")),
        Prefetch("topics", queryset=_slugs(Topic)),
        Prefetch("actors", queryset=_slugs(Actor)),
    ]


def _detail_prefetches():
    status_changes = StatusChange.objects.order_by("date", "position", "pk").prefetch_related(
        Prefetch("policy", queryset=_refs(Policy))
    )
    evidence = (
        Evidence.objects.filter(claim__in=Claim.objects.published())
        .select_related("claim__document")
        .order_by("position", "pk")
    )
    return [
        *_recommendation_prefetches(),
        Prefetch("status_changes", queryset=status_changes),
        Prefetch("evidence", queryset=evidence),
    ]


# collection: (serializer, detail serializer, visible rows in order, prefetches, detail's)
REFERENCE = {
    "documents": (
        serializers.DocumentSerializer,
        serializers.DocumentDetailSerializer,
        lambda: Document.objects.published().order_by("-published_on", "title", "pk"),
        [],
        [],
    ),
    "claims": (
        serializers.ClaimSerializer,
        None,
        lambda: (
            Claim.objects.published()
            .select_related("document")
            .order_by("document__published_on", "document_id", "start_offset", "pk")
        ),
        [Prefetch("topics", queryset=_slugs(Topic))],
        None,
    ),
    "policies": (
        serializers.PolicySerializer,
        None,
        lambda: Policy.objects.published().order_by("-adopted_on", "title", "pk"),
        [
            Prefetch("actors", queryset=_slugs(Actor)),
            Prefetch("claims", queryset=Claim.objects.published().order_by("pk")),
        ],
        None,
    ),
    "recommendations": (
        serializers.RecommendationSerializer,
        serializers.RecommendationDetailSerializer,
        lambda: Recommendation.objects.published().order_by("title", "pk"),
        _recommendation_prefetches(),
        _detail_prefetches(),
    ),
    "status-changes": (
        serializers.StatusChangeItemSerializer,
        None,
        lambda: (
            StatusChange.objects.filter(recommendation__in=Recommendation.objects.published())
            .select_related("recommendation")
            .order_by("-date", "-position", "-pk")
        ),
        [Prefetch("policy", queryset=_refs(Policy))],
        None,
    ),
    "topics": (
        serializers.TopicSerializer,
        None,
        lambda: Topic.objects.order_by("name", "pk"),
        [],
        None,
    ),
    "actors": (
        serializers.ActorSerializer,
        None,
        lambda: Actor.objects.order_by("name", "pk"),
        [],
        None,
    ),
}


def _reference(collection, *, detail):
    serializer, detail_serializer, rows, prefetches, detail_prefetches = REFERENCE[collection]
    objects = list(rows())
    if detail:
        serializer = detail_serializer or serializer
        prefetches = detail_prefetches if detail_prefetches is not None else prefetches
    prefetch_related_objects(objects, *prefetches)
    context = {"request": RequestFactory().get("/")}
    return [dict(serializer(obj, context=context).data) for obj in objects]


def _normalise(value):
    # Serializers give OrderedDicts and ReturnLists; JSON gives dicts and lists.
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


@pytest.mark.parametrize("data", [world, lambda: bulk_world(12)], ids=["world", "bulk"])
@pytest.mark.parametrize("collection", list(REFERENCE))
def test_items_are_what_the_serializers_describe(client, settings, data, collection):
    settings.API_ANON_RATE = "1000/min"
    data()
    listed = client.get(f"{API}/{collection}/", {"page_size": 100}).json()["results"]
    expected = _normalise(_reference(collection, detail=False))
    assert listed == expected
    details = _normalise(_reference(collection, detail=True))
    for item, reference in zip(listed, details, strict=True):
        assert client.get(item["url"]).json() == reference
