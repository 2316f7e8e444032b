"""Conditional GET: every response carries validators, a repeated request
gets a 304 without serialising, and any edit that changes a response
changes its ETag."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from editorial import freshness
from editorial.api import serializers
from editorial.models import Evidence
from editorial.publishing import State, set_state

from .api_data import world
from .factories import StatusChangeFactory, TopicFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def w():
    return world()


def etag(client, path, **params):
    response = client.get(f"{API}/{path}", params)
    assert response.status_code == 200
    return response["ETag"]


ENDPOINTS = [
    "documents/",
    "documents/hoff-2016/",
    "claims/",
    "policies/",
    "policies/peace-and-security/",
    "recommendations/",
    "recommendations/deploy-aegis-ashore/",
    "status-changes/",
    "topics/",
    "topics/ballistic-missile-defense/",
    "actors/",
    "actors/japan/",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_repeated_conditional_get_is_a_304_with_the_same_validators(client, w, path):
    first = client.get(f"{API}/{path}")
    assert first["ETag"].startswith('W/"')
    assert first["Last-Modified"]
    assert first["Cache-Control"] == "no-cache"
    again = client.get(f"{API}/{path}", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]


def test_claim_and_status_change_details_answer_conditional_requests_too(client, w):
    for path in (f"claims/{w.aegis.pk}/", f"status-changes/{w.adopted.pk}/"):
        tag = etag(client, path)
        assert client.get(f"{API}/{path}", headers={"If-None-Match": tag}).status_code == 304


def test_if_modified_since_the_last_modified_date_is_a_304(client, w):
    first = client.get(f"{API}/recommendations/")
    since = first["Last-Modified"]
    response = client.get(f"{API}/recommendations/", headers={"If-Modified-Since": since})
    assert response.status_code == 304
    earlier = http_date(w.rec.updated_at.timestamp() - 60)
    response = client.get(f"{API}/recommendations/", headers={"If-Modified-Since": earlier})
    assert response.status_code == 200


def test_a_304_is_decided_without_serialising(client, w, monkeypatch):
    tags = {
        path: etag(client, path)
        for path in ("recommendations/", "recommendations/deploy-aegis-ashore/")
    }

    def refuse(*args, **kwargs):
        raise AssertionError("serialised although the client's copy is current")

    monkeypatch.setattr(serializers.RecommendationSerializer, "to_representation", refuse)
    for path, tag in tags.items():
        assert client.get(f"{API}/{path}", headers={"If-None-Match": tag}).status_code == 304


def test_a_304_costs_one_query(client, w, django_assert_num_queries):
    for path in ("recommendations/", "recommendations/deploy-aegis-ashore/"):
        tag = etag(client, path)
        with django_assert_num_queries(1):
            client.get(f"{API}/{path}", headers={"If-None-Match": tag})


def test_a_different_query_format_or_page_has_a_different_etag(client, w):
    tags = {
        etag(client, "recommendations/"),
        etag(client, "recommendations/", format="csv"),
        etag(client, "recommendations/", page_size=10),
        etag(client, "recommendations/", status="adopted"),
    }
    assert len(tags) == 4


def test_a_stale_etag_gets_the_full_response(client, w):
    response = client.get(f"{API}/documents/", headers={"If-None-Match": 'W/"stale"'})
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- What must change an ETag ---------------------------------------------------

DETAIL = "recommendations/deploy-aegis-ashore/"


def _changes(client, path, edit):
    before = etag(client, path)
    edit()
    return etag(client, path) != before


def test_editing_a_recommendation_changes_its_etag_and_its_lists(client, w):
    def edit():
        w.rec.summary = "Reworded."
        w.rec.save()

    before = (etag(client, DETAIL), etag(client, "recommendations/"))
    edit()
    after = (etag(client, DETAIL), etag(client, "recommendations/"))
    assert before[0] != after[0] and before[1] != after[1]


def test_a_new_status_change_changes_the_recommendations_etag(client, w):
    def record():
        StatusChangeFactory(
            recommendation=w.rec, status="implemented", date=datetime.date(2020, 1, 1)
        )

    assert _changes(client, DETAIL, record)


def test_deleting_a_status_change_changes_the_recommendations_etag(client, w):
    assert _changes(client, DETAIL, w.adopted.delete)


def test_an_evidence_edit_changes_the_recommendations_etag(client, w):
    def edit():
        w.evidence.note = "Reworded."
        w.evidence.save()

    assert _changes(client, DETAIL, edit)


def test_removing_evidence_changes_the_recommendations_etag(client, w):
    assert _changes(client, DETAIL, w.evidence.delete)


def test_withdrawing_a_quoted_claim_changes_the_recommendations_etag(client, w):
    assert _changes(client, DETAIL, lambda: set_state([w.aegis], State.WITHDRAWN))


def test_unpublishing_a_document_changes_the_etag_of_lists_that_show_it(client, w):
    before = {path: etag(client, path) for path in ("recommendations/", "claims/")}
    set_state([w.paper], State.DRAFT)
    assert all(etag(client, path) != tag for path, tag in before.items())


def test_tagging_a_recommendation_without_saving_it_changes_its_etag(client, w):
    # A many-to-many edit leaves no updated_at behind; the revision history has it.
    topic = TopicFactory(slug="space")
    before = etag(client, DETAIL)
    w.rec.topics.add(topic)
    assert etag(client, DETAIL) != before


def test_renaming_a_topic_changes_the_etag_of_claims_filed_under_it(client, w):
    def rename():
        w.bmd.slug = "missile-defense"
        w.bmd.save()

    assert _changes(client, f"claims/{w.aegis.pk}/", rename)


def test_any_edit_renews_every_etag_and_reading_renews_none(client, w):
    # The content stamp is archive-wide (editorial.freshness): coarse, never stale.
    def edit():
        w.law.summary = "Changed."
        w.law.save()

    assert _changes(client, "documents/hoff-2016/", edit)
    assert not _changes(client, "documents/hoff-2016/", lambda: client.get(f"{API}/claims/"))


def test_evidence_saved_in_bulk_changes_the_etag_of_lists(client, w):
    # bulk_create sends no signal: bulk code moves the stamp itself, as the
    # corpus generator does.
    def add():
        Evidence.objects.bulk_create([Evidence(recommendation=w.draft_rec, claim=w.orphan_claim)])
        freshness.touch()

    assert _changes(client, "recommendations/", add)


def test_a_304_is_decided_before_the_filters_and_the_lookup(client, w):
    # A tag handed out with a 200 for this URL at this stamp answers at once...
    for path in ("claims/?document=hoff-2016", "recommendations/deploy-aegis-ashore/"):
        tag = etag(client, path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/{path}", headers={"If-None-Match": tag})
        assert response.status_code == 304
        assert len(queries) == 1  # the stamp
    # ...while any other conditional request still meets the usual checks.
    response = client.get(f"{API}/recommendations/no-such-thing/", headers={"If-None-Match": "*"})
    assert response.status_code == 404
    last_modified = client.get(f"{API}/claims/")["Last-Modified"]
    response = client.get(
        f"{API}/claims/", {"document": "draft-paper"}, headers={"If-Modified-Since": last_modified}
    )
    assert response.status_code == 400


def test_a_list_and_its_csv_page_keep_updated_since_and_count_in_step(client, w):
    # The cached count follows the filters, not the page, format or order.
    first = client.get(f"{API}/claims/", {"updated_since": "2000-01-01"}).json()
    csv = client.get(f"{API}/claims/", {"updated_since": "2000-01-01", "format": "csv"})
    assert first["count"] == 1 and csv.status_code == 200
    assert client.get(f"{API}/claims/", {"updated_since": "2999-01-01"}).json()["count"] == 0


@pytest.mark.parametrize("path", ["recommendations/?status=adopted", DETAIL, "claims/?format=csv"])
def test_a_304_answered_before_the_middleware_carries_the_views_own_headers(
    client, w, settings, path
):
    tag = etag(client, path)
    early = client.get(f"{API}/{path}", headers={"If-None-Match": tag})
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if name != "editorial.api.middleware.ApiMiddleware"
    ]
    # A new client: a client's handler builds its middleware chain once.
    late = Client().get(f"{API}/{path}", headers={"If-None-Match": tag})
    assert early.status_code == late.status_code == 304
    # The early one ran none of the site's middleware; the late one did.
    assert not hasattr(early.wsgi_request, "session")
    assert hasattr(late.wsgi_request, "session")
    for header in ("ETag", "Last-Modified", "Cache-Control", "Vary", "Allow"):
        assert early[header] == late[header], header


def test_a_head_request_with_a_current_etag_is_a_304_too(client, w):
    tag = etag(client, "recommendations/")
    assert client.head(f"{API}/recommendations/", headers={"If-None-Match": tag}).status_code == 304
