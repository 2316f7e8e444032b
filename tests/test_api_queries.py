"""Every endpoint runs a fixed number of queries, however many rows there are:
no query per row, and none per nested relation per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .api_data import bulk_world

pytestmark = pytest.mark.django_db

API = "/api/v1"

# A list: its ETag aggregate (which also gives the count), the page, then one
# query per prefetched relation. A detail: the object (its ETag stamps come
# with it), then one query per prefetched relation.
EXPECTED = {
    "documents/": 2,
    "documents/{document}/": 1,
    "claims/": 3,  # + topics
    "claims/{claim}/": 2,
    "policies/": 4,  # + actors, claims
    "policies/{policy}/": 3,
    "recommendations/": 6,  # + documents, policies, topics, actors
    "recommendations/{recommendation}/": 8,  # + status changes, their policies, evidence
    "status-changes/": 3,  # + policies
    "status-changes/{status_change}/": 2,
    "topics/": 2,
    "topics/{topic}/": 1,
    "actors/": 2,
    "actors/{actor}/": 1,
    # A slug filter checks its slug first (+1); search and dates add nothing.
    "recommendations/?topic={topic}&q=Recommendation&updated_since=2000-01-01": 7,
    "claims/?document={document}&format=csv": 4,
    "documents/?page_size=100&ordering=-title": 2,
}


def _paths(rows):
    keys = {
        "document": rows.document.slug,
        "claim": rows.claim.pk,
        "policy": rows.policy.slug,
        "recommendation": rows.recommendation.slug,
        "status_change": rows.recommendation.status_changes.first().pk,
        "topic": rows.claim.topics.first().slug,
        "actor": rows.policy.actors.first().slug,
    }
    return {template: template.format(**keys) for template in EXPECTED}


@pytest.mark.parametrize("rows", [10, 1000])
def test_every_endpoint_runs_the_same_few_queries_for_10_or_1000_rows(client, settings, rows):
    settings.API_ANON_RATE = "1000/min"
    paths = _paths(bulk_world(rows))
    counted = {}
    for template, path in paths.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/{path}")
        assert response.status_code == 200, (path, response.content)
        counted[template] = len(queries)
    assert counted == EXPECTED
    assert max(counted.values()) <= 10


def test_a_full_page_shows_every_nested_relation(client, settings):
    # The counts above would also hold for empty prefetches; check they are not.
    bulk_world(30)
    [first, *_] = client.get(f"{API}/recommendations/", {"page_size": 30}).json()["results"]
    assert first["documents"] and first["policies"] and first["topics"] and first["actors"]
    detail = client.get(first["url"]).json()
    assert len(detail["status_history"]) == 2 and detail["status_history"][1]["policy"]
    assert detail["evidence"][0]["claim"]["document"]["slug"]
