from io import StringIO

import pytest
from django.core.management import call_command

from editorial import freshness
from editorial.models import ContentStamp

from .factories import ClaimFactory, DocumentFactory, RecommendationFactory, TopicFactory

pytestmark = pytest.mark.django_db


def version():
    return ContentStamp.objects.current()[0]


def test_the_migration_creates_the_stamp():
    assert ContentStamp.objects.count() == 1
    assert version() >= 1


def test_a_save_moves_the_stamp_forward():
    before = version()
    document = DocumentFactory()
    assert version() > before
    before = version()
    document.title = "Renamed"
    document.save()
    assert version() > before


def test_a_delete_moves_the_stamp_forward():
    topic = TopicFactory()
    before = version()
    topic.delete()
    assert version() > before


def test_a_many_to_many_edit_moves_the_stamp_forward():
    recommendation = RecommendationFactory()
    topic = TopicFactory()
    before = version()
    recommendation.topics.add(topic)
    assert version() > before
    before = version()
    recommendation.topics.clear()
    assert version() > before


def test_a_bulk_generation_moves_the_stamp_forward():
    before = version()
    call_command(
        "generate_corpus",
        "--documents=2",
        "--claims=4",
        "--recommendations=2",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert version() > before


def test_reading_the_stamp_is_one_query_and_kept_for_the_request(rf, django_assert_num_queries):
    ClaimFactory()
    request = rf.get("/api/v1/claims/?page=2")
    with django_assert_num_queries(1):
        first = freshness.current(request)
        assert freshness.current(request) == first
    assert freshness.etag_for(request).startswith(f'W/"{first[0]}-')


def test_etags_differ_by_url_and_by_stamp(rf):
    one, two = rf.get("/api/v1/claims/?page=1"), rf.get("/api/v1/claims/?page=2")
    assert freshness.etag_for(one) != freshness.etag_for(two)
    before = freshness.etag_for(rf.get("/api/v1/claims/?page=1"))
    TopicFactory()
    assert freshness.etag_for(rf.get("/api/v1/claims/?page=1")) != before
