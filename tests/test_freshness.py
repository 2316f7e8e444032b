import time
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's (run in CI)"
)


def wait_for(predicate, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def listener(monkeypatch, settings):
    settings.CONTENT_STAMP_LISTEN = True
    fresh = freshness.StampListener()
    monkeypatch.setattr(freshness, "listener", fresh)
    yield fresh
    fresh.stop()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_listener_holds_the_stamp_and_hears_every_committed_change(listener):
    assert listener.get() is None  # not connected yet: current() reads the database
    assert wait_for(lambda: listener.get() == ContentStamp.objects.current())
    with CaptureQueriesContext(connection) as queries:
        assert freshness.current() == ContentStamp.objects.current()
    assert len(queries) == 1  # the second call's own read; current() asked nothing

    # A write of this process: forgotten at commit, then heard and read again.
    before = listener.get()
    DocumentFactory()
    after = ContentStamp.objects.current()
    assert after[0] > before[0]
    assert listener.get() in (None, after)
    assert freshness.current() == after
    assert wait_for(lambda: listener.get() == after)

    # A write of another process: its NOTIFY reaches this one.
    params = connection.get_connection_params()
    params.pop("cursor_factory")
    params.pop("context", None)
    with psycopg.connect(**params) as other, other.transaction():
        other.execute("UPDATE editorial_contentstamp SET version = version + 1, changed_at = now()")
        other.execute("SELECT pg_notify(%s, '')", [freshness.CHANNEL])
        assert listener.get() == after  # not committed: nothing to hear yet
    moved = ContentStamp.objects.current()
    assert moved[0] == after[0] + 1
    assert wait_for(lambda: listener.get() == moved)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_listener_that_cannot_connect_leaves_current_to_the_database(listener, monkeypatch):
    attempts = []

    def refuse(**params):
        attempts.append(params)
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(listener, "_connect", refuse)
    assert listener.get() is None
    assert wait_for(lambda: attempts)  # it did try
    assert attempts[0]["options"].endswith("statement_timeout=5000")
    assert listener.get() is None
    DocumentFactory()
    assert freshness.current() == ContentStamp.objects.current()


def test_without_postgresql_or_when_off_nothing_listens(settings):
    settings.CONTENT_STAMP_LISTEN = False
    assert not freshness.listening()


def test_a_copy_whose_thread_has_not_come_round_lately_is_not_trusted(monkeypatch):
    import os

    listener = freshness.StampListener()
    listener.pid = os.getpid()  # as if its thread were running: start none
    listener.value = (7, None)
    listener.alive_at = time.monotonic()
    assert listener.get() == (7, None)
    listener.alive_at = time.monotonic() - freshness.STALE_SECONDS - 1  # a read that hangs
    assert listener.get() is None


def test_forgetting_distrusts_the_copy_and_any_read_under_way():
    listener = freshness.StampListener()
    listener.value = (7, None)
    generation = listener.generation
    listener.forget()
    assert listener.value is None
    assert listener.generation != generation  # a read begun before is not kept
