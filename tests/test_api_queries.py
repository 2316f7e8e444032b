"""Every endpoint runs a fixed number of queries, however many rows there are:
no query per row, and none per nested relation per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .api_data import bulk_world

pytestmark = pytest.mark.django_db

API = "/api/v1"

# Every request reads the content stamp (its ETag) first. A list then counts
# its rows (the count is cached under the stamp: see the second test), reads
# the page, then one query per nested relation. A detail reads the object,
# then one query per nested relation. On PostgreSQL claims and
# recommendations are composed by one statement (api/composed.py) that reads
# the page itself, nested relations included (a search reads its ids first),
# or for a detail looks the item up itself.
COMPOSED = connection.vendor == "postgresql"
EXPECTED = {
    "documents/": 3,
    "documents/{document}/": 2,
    "claims/": 3 if COMPOSED else 4,  # + topics
    "claims/{claim}/": 2 if COMPOSED else 3,
    "policies/": 5,  # + actors, claims
    "policies/{policy}/": 4,
    "recommendations/": 3 if COMPOSED else 4,  # + documents, policies, topics, actors in one
    # + those, status history (with policies), evidence
    "recommendations/{recommendation}/": 2 if COMPOSED else 5,
    "status-changes/": 3,  # policies come with the page
    "status-changes/{status_change}/": 2,
    "topics/": 3,
    "topics/{topic}/": 2,
    "actors/": 3,
    "actors/{actor}/": 2,
    # A slug filter checks its slug first (+1); search and dates add nothing.
    "recommendations/?topic={topic}&q=Recommendation&updated_since=2000-01-01": 5,
    "claims/?document={document}&format=csv": 4 if COMPOSED else 5,
    "documents/?page_size=100&ordering=-title": 2,  # the count of documents/ is kept
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


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{API}/{path}").status_code == 200
    return len(queries)


def test_a_lists_count_is_kept_until_the_next_edit(client):
    rows = bulk_world(10)
    path = f"recommendations/?topic={rows.claim.topics.first().slug}"
    first = _count(client, path)
    assert _count(client, path) == first - 1  # the count is cached
    assert _count(client, f"{path}&page_size=5&ordering=-title") == first - 1  # same filters
    assert _count(client, f"{path}&updated_since=2000-01-01") == first  # other filters
    rows.recommendation.title = "Renamed"
    rows.recommendation.save()  # moves the stamp
    assert _count(client, path) == first


def test_a_full_page_shows_every_nested_relation(client, settings):
    # The counts above would also hold for empty prefetches; check they are not.
    bulk_world(30)
    [first, *_] = client.get(f"{API}/recommendations/", {"page_size": 30}).json()["results"]
    assert first["documents"] and first["policies"] and first["topics"] and first["actors"]
    detail = client.get(first["url"]).json()
    assert len(detail["status_history"]) == 2 and detail["status_history"][1]["policy"]
    assert detail["evidence"][0]["claim"]["document"]["slug"]


@pytest.mark.parametrize(
    "path",
    [
        "claims/?kind=assessment&kind=fact",
        "documents/?kind=paper&kind=report",
        "policies/?instrument=law",
        "recommendations/?status=proposed&status=implemented",
        "status-changes/?status=proposed&status=adopted",
    ],
)
def test_a_filter_on_an_items_own_field_reads_the_page_without_distinct(client, path):
    # DISTINCT is for filters across a to-many relation (where a row could
    # come twice); on a field of the item itself it only made PostgreSQL sort
    # every match before taking a page.
    bulk_world(10)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/{path}")
    assert response.status_code == 200, response.content
    assert not [q["sql"] for q in queries if "DISTINCT" in q["sql"].upper()]
    ids = [item.get("id", item.get("slug")) for item in response.json()["results"]]
    assert ids and len(ids) == len(set(ids))
