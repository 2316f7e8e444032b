"""Every page costs a fixed number of queries: the same with 10 and with
1,000 recommendations and claims (no N+1), and never more than 10.

The content is built once for the module with bulk_create, measured at 10,
grown to 1,000 and measured again. The "hub" recommendation, document and
policy are linked to every row, so their pages grow with the data too.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from editorial import freshness
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

from .conftest import delete_content

pytestmark = pytest.mark.django_db

SMALL, LARGE = 10, 1000
SENTENCE = "Claim sentence number {i:04d} says Japan and the alliance should act."
ROLES = ["supports", "qualifies", "opposes"]
STATUSES = ["proposed", "adopted", "in_progress", "implemented", "abandoned"]


def sentence_offsets(i):
    # Sentences are joined by one space, and each has the same length.
    length = len(SENTENCE.format(i=0))
    start = i * (length + 1)
    return start, start + length


class Corpus:
    """Published content that grows in bulk, without a query per row."""

    def __init__(self):
        self.topics = Topic.objects.bulk_create(
            [Topic(name=f"Topic {i}", slug=f"topic-{i}") for i in range(3)]
        )
        self.actors = Actor.objects.bulk_create(
            [Actor(name=f"Actor {i}", slug=f"actor-{i}") for i in range(3)]
        )
        body = " ".join(SENTENCE.format(i=i) for i in range(LARGE))
        self.document = Document.objects.create(
            title="The hub paper",
            slug="hub-paper",
            authors="Rachel Hoff\nIan Rinehart",
            publisher="Sasakawa USA",
            published_on=datetime.date(2016, 1, 1),
            published_precision="year",
            body=body,
            abstract="A paper about Japan.",
            state="published",
        )
        Document.objects.create(
            title="Another paper",
            slug="another-paper",
            published_on=datetime.date(2018, 5, 1),
            published_precision="month",
            body="Japan and the alliance.",
            state="published",
        )
        self.policy = Policy.objects.create(
            title="Hub law about Japan", slug="hub-law", instrument="law", state="published"
        )
        self.policy.actors.set(self.actors[:2])
        self.hub = Recommendation.objects.create(
            title="Hub recommendation on Japan", slug="hub", state="published"
        )
        self.hub.documents.add(self.document)
        self.hub.topics.set(self.topics)
        self.hub.actors.set(self.actors)
        self.hub.policies.add(self.policy)
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    recommendation=self.hub,
                    status="adopted",
                    date=datetime.date(2017, 12, 19),
                    source="Cabinet",
                    policy=self.policy,
                )
            ]
        )
        self.size = 0

    def grow(self, n):
        new = range(self.size, n)
        claims = Claim.objects.bulk_create(
            [
                Claim(
                    document=self.document,
                    quote=SENTENCE.format(i=i),
                    start_offset=sentence_offsets(i)[0],
                    end_offset=sentence_offsets(i)[1],
                    summary=f"Summary {i} about Japan",
                    kind="fact" if i % 2 else "assessment",
                    state="published",
                )
                for i in new
            ]
        )
        recommendations = Recommendation.objects.bulk_create(
            [
                Recommendation(
                    title=f"Recommendation {i:04d} about Japan",
                    slug=f"recommendation-{i:04d}",
                    summary="Do something about Japan.",
                    status=STATUSES[i % len(STATUSES)],
                    state="published",
                )
                for i in new
            ]
        )
        through = Recommendation.topics.through
        through.objects.bulk_create(
            [through(recommendation=r, topic=t) for r in recommendations for t in self.topics[:2]]
        )
        through = Recommendation.actors.through
        through.objects.bulk_create(
            [through(recommendation=r, actor=a) for r in recommendations for a in self.actors[:2]]
        )
        through = Recommendation.documents.through
        through.objects.bulk_create(
            [through(recommendation=r, document=self.document) for r in recommendations]
        )
        through = Recommendation.policies.through
        through.objects.bulk_create(
            [through(recommendation=r, policy=self.policy) for r in recommendations]
        )
        through = Claim.topics.through
        through.objects.bulk_create([through(claim=c, topic=self.topics[0]) for c in claims])
        through = Policy.claims.through
        through.objects.bulk_create([through(policy=self.policy, claim=c) for c in claims])
        Evidence.objects.bulk_create(
            [
                Evidence(recommendation=r, claim=c, role=ROLES[i % 3], position=0)
                for i, (r, c) in enumerate(zip(recommendations, claims, strict=True))
            ]
            + [
                Evidence(recommendation=self.hub, claim=c, role=ROLES[i % 3], position=i)
                for i, c in enumerate(claims)
            ]
        )
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    recommendation=r,
                    status="proposed",
                    date=datetime.date(2016, 1, 1),
                    date_precision="year",
                    source="The paper",
                )
                for r in recommendations
            ]
            + [
                StatusChange(
                    recommendation=r,
                    status=r.status,
                    date=datetime.date(2020, 6, 1),
                    date_precision="month",
                    source="Ministry",
                    policy=self.policy,
                )
                for r in recommendations
            ]
        )
        # Bulk writes send no signals: move the content stamp, as every bulk
        # loader does (generate_corpus), or cached fragments would be stale.
        freshness.touch()
        self.size = n


# page -> (url, expected queries, a check that the page shows the data at its size)
def pages(corpus):
    first_claim = Claim.objects.order_by("pk").first().pk
    cards = (2, 6) if connection.vendor == "postgresql" else (3, 7)
    return {
        "home": ("/", (1, 4), None),
        # On PostgreSQL the page's cards and their tags in one statement (selectors.cards).
        "recommendation list": ("/recommendations/", cards, None),
        "recommendation list, filtered": (
            "/recommendations/?status=adopted&topic=topic-0&actor=actor-0&document=hub-paper",
            cards,
            None,
        ),
        "recommendation list, searched": ("/recommendations/?q=Japan", cards, None),
        # On PostgreSQL one statement looks the id up and reads the rest (selectors).
        "recommendation detail": (
            "/recommendations/hub/",
            1 if connection.vendor == "postgresql" else 6,
            'class="quote__link"',
        ),
        "document list": ("/documents/", 2, None),
        # On PostgreSQL its claims and recommendations in one statement.
        "document detail": (
            "/documents/hub-paper/",
            2 if connection.vendor == "postgresql" else 3,
            '<mark class="claim" id=',
        ),
        "document citation": ("/documents/hub-paper/cite/bibtex/", 1, None),
        "claim list": ("/claims/", (3, 6), None),
        "claim list, filtered": (
            "/claims/?document=hub-paper&topic=topic-0&kind=fact",
            (3, 6),
            None,
        ),
        "claim detail": (f"/claims/{first_claim}/", 4, None),
        "policy list": ("/policies/", 3, None),
        "policy detail": ("/policies/hub-law/", 6, 'class="quote"'),
        # On PostgreSQL two statements (search.overview: the ranking, then the
        # rows shown with their snippets); one a kind on SQLite.
        "search": ("/search/?q=Japan", 2 if connection.vendor == "postgresql" else 4, None),
        "search, one kind": (
            "/search/?q=Japan&kind=claims",
            3 if connection.vendor == "postgresql" else 2,
            None,
        ),
        "status feed": ("/feeds/status/", 1, None),
        # The index: each section's count and newest change; a section's
        # page: its count and its rows.
        "sitemap": ("/sitemap.xml", 8, None),
        "sitemap section": ("/sitemap-claims.xml", 2, None),
    }


def measure(client, url, *, cold=False):
    if cold:
        cache.clear()  # the fragments are computed again
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), [q["sql"] for q in queries], response.content.decode()


@pytest.fixture(scope="module")
def measurements(django_db_setup, django_db_blocker):
    """{page: {size: (count, sql, html)}} for both sizes."""
    with django_db_blocker.unblock():
        corpus = Corpus()
        client = Client()
        results = {}
        try:
            for size in (SMALL, LARGE):
                corpus.grow(size)
                for name, (url, _expected, _check) in pages(corpus).items():
                    # Cold: the fragment cache empty (as after an editorial
                    # change); then warm, as most readers find it.
                    results.setdefault(name, {})[size, "cold"] = measure(client, url, cold=True)
                    results[name][size] = measure(client, url)
            yield results, pages(corpus)
        finally:
            delete_content()


PAGE_NAMES = [
    "home",
    "recommendation list",
    "recommendation list, filtered",
    "recommendation list, searched",
    "recommendation detail",
    "document list",
    "document detail",
    "document citation",
    "claim list",
    "claim list, filtered",
    "claim detail",
    "policy list",
    "policy detail",
    "search",
    "search, one kind",
    "status feed",
    "sitemap",
    "sitemap section",
]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_each_page_costs_the_same_few_queries_with_10_and_1000_rows(measurements, name):
    results, table = measurements
    _url, expected, check = table[name]
    # (warm, cold): a page that uses cached fragments computes them when cold.
    expected, expected_cold = expected if isinstance(expected, tuple) else (expected, expected)
    small, _small_sql, small_html = results[name][SMALL]
    large, large_sql, large_html = results[name][LARGE]
    assert small == large, f"{name}: {small} queries with {SMALL}, {large} with {LARGE}\n" + (
        "\n".join(large_sql)
    )
    assert large == expected, f"{name}: {large} queries, expected {expected}\n" + "\n".join(
        large_sql
    )
    assert large <= 10
    cold_small, _sql, _html = results[name][SMALL, "cold"]
    cold_large, cold_sql, _html = results[name][LARGE, "cold"]
    assert cold_small == cold_large, f"{name}, cold: {cold_small} queries with {SMALL}, " + (
        f"{cold_large} with {LARGE}\n" + "\n".join(cold_sql)
    )
    assert cold_large == expected_cold, (
        f"{name}, cold: {cold_large} queries, expected {expected_cold}\n" + "\n".join(cold_sql)
    )
    assert cold_large <= 10
    if check:
        # The page really grew with the data: the counts were not measured on
        # an empty page.
        assert small_html.count(check) >= SMALL
        assert large_html.count(check) >= LARGE
