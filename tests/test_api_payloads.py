"""The API builds its items from ``.values()`` rows (``editorial.api.payloads``)
while its serializers describe them for the schema and the CSV header: both
must agree, item for item, on every endpoint, drafts and all."""

import datetime

import pytest
from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects
from django.test import RequestFactory
from rest_framework.request import Request

from editorial import db
from editorial.api import payloads, serializers, views
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
from .factories import ActorFactory, DocumentFactory, PolicyFactory, TopicFactory

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


def _several_of_each(item):
    """Give ``item`` several related rows of each kind, listed in an order
    other than their ids' (names and titles backwards, dates mixed), so
    that every nested list's order is put to the test."""
    zulu, alpha = TopicFactory(name="Zulu topic"), TopicFactory(name="Alpha topic")
    item.topics.add(zulu, alpha)
    if isinstance(item, Recommendation):
        item.actors.add(ActorFactory(name="Zulu actor"), ActorFactory(name="Alpha actor"))
        item.policies.add(PolicyFactory(title="Zulu policy"), PolicyFactory(title="Alpha policy"))
        item.documents.add(
            DocumentFactory(title="Zulu paper", published_on=datetime.date(2010, 1, 1)),
            DocumentFactory(title="Middle paper", published_on=datetime.date(2020, 1, 1)),
            DocumentFactory(title="Alpha paper", published_on=datetime.date(2020, 1, 1)),
        )


BUILDERS = {
    "claims": (payloads.ClaimBuilder, REFERENCE["claims"][2]),
    "recommendations": (payloads.RecommendationBuilder, REFERENCE["recommendations"][2]),
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composed by PostgreSQL only")
@pytest.mark.parametrize("data", [world, lambda: bulk_world(12)], ids=["world", "bulk"])
@pytest.mark.parametrize("collection", list(BUILDERS))
def test_composed_items_are_the_python_builders_items(settings, data, collection):
    """On PostgreSQL the richest items are composed by one statement
    (``api/composed.py``); they are exactly what the Python builder makes."""
    settings.ALLOWED_HOSTS = ["partner.example"]
    data()
    builder_class, rows = BUILDERS[collection]
    _several_of_each(rows().first())
    # Both ways of writing a timestamp: with microseconds, and on the second.
    first = rows().first()
    type(first).objects.filter(pk=first.pk).update(
        created_at=datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    )
    request = Request(RequestFactory().get("/", HTTP_HOST="partner.example:8443"))
    builder = builder_class(request)
    assert builder.statement() is not None
    for detail in (False, True):
        fields = builder.detail_fields if detail and builder.detail_fields else builder.fields
        built = builder.build(list(rows().values(*fields)), detail=detail)
        composed = builder.items(list(rows().values_list("pk", flat=True)), detail=detail)
        assert composed == built
        # A page of ids the statement selects itself, as a list's page is.
        page = builder.items(rows().values_list("pk", flat=True)[1:4], detail=detail)
        assert page == built[1:4]
        assert any(item["created_at"] == "2024-05-06T07:08:09Z" for item in composed)
    assert builder.items([]) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composed by PostgreSQL only")
def test_an_unfiltered_lists_page_query_is_compiled_once_for_all_its_pages(client, settings):
    """An unfiltered list's query is the same for every request (its pages
    differ only in their limits), so it is compiled once per process
    (``Builder.page``'s shape); filtered lists compile theirs each time."""
    settings.API_ANON_RATE = "1000/min"
    bulk_world(12)
    db._page_queries.clear()
    listed, page = [], 1
    while True:
        body = client.get(f"{API}/recommendations/", {"page": page, "page_size": 5}).json()
        listed += body["results"]
        if not body["next"]:
            break
        page += 1
    assert page > 2
    assert listed == _normalise(_reference("recommendations", detail=False))
    key = ((views.RecommendationViewSet, "list"), "default")
    assert list(db._page_queries) == [key]
    status = listed[0]["status"]
    filtered = client.get(f"{API}/recommendations/", {"status": status, "page_size": 100})
    assert filtered.json()["results"] == [item for item in listed if item["status"] == status]
    assert list(db._page_queries) == [key]
    # What is kept is what any request's queryset compiles to: a list's
    # base queryset depends on nothing of the request.
    settings.ALLOWED_HOSTS = ["partner.example"]
    for viewset, name in (
        (views.RecommendationViewSet, "recommendations"),
        (views.ClaimViewSet, "claims"),
    ):
        assert client.get(f"{API}/{name}/", HTTP_HOST="partner.example").status_code == 200
        rows = viewset().base_queryset().values_list("pk", flat=True)[:1]
        assert db._page_queries[((viewset, "list"), "default")] == db.page_query(rows)
