"""The partner API: what it shows, how it nests, filters, pages and exports."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.utils import timezone

from editorial.models import Claim, Document, Policy, Recommendation, StatusChange
from editorial.publishing import State

from .api_data import AEGIS, HIDDEN, world
from .factories import (
    ClaimFactory,
    DocumentFactory,
    PolicyFactory,
    RecommendationFactory,
    StatusChangeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
LISTS = ["documents", "claims", "policies", "recommendations", "status-changes", "topics", "actors"]
SEARCHABLE = ["documents", "claims", "policies", "recommendations"]


@pytest.fixture
def w():
    return world()


def get(client, path, **params):
    response = client.get(f"{API}/{path}", params)
    assert response.status_code == 200, response.content
    return response.json()


def csv_rows(client, path, **params):
    response = client.get(f"{API}/{path}", {"format": "csv", **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# --- Visibility -------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("format", ["json", "csv"])
def test_no_list_shows_anything_hidden_in_any_format(client, w, path, format):
    response = client.get(f"{API}/{path}/", {"format": format, "page_size": 100})
    assert response.status_code == 200
    assert HIDDEN not in response.content.decode().lower()


@pytest.mark.parametrize("path", SEARCHABLE)
def test_searching_for_hidden_words_finds_nothing(client, w, path):
    assert get(client, f"{path}/", q=HIDDEN)["count"] == 0
    assert csv_rows(client, f"{path}/", q=HIDDEN) == []


def test_lists_hold_exactly_the_published_items(client, w):
    assert [d["slug"] for d in get(client, "documents/")["results"]] == ["hoff-2016"]
    assert [c["id"] for c in get(client, "claims/")["results"]] == [w.aegis.pk]
    assert [p["slug"] for p in get(client, "policies/")["results"]] == ["peace-and-security"]
    assert [r["slug"] for r in get(client, "recommendations/")["results"]] == [w.rec.slug]
    changes = get(client, "status-changes/")["results"]
    assert [c["id"] for c in changes] == [w.adopted.pk, w.proposed.pk]


@pytest.mark.parametrize(
    "path",
    [
        "documents/draft-paper/",
        "documents/withdrawn-paper/",
        "policies/draft-policy/",
        "recommendations/draft-rec/",
        "recommendations/withdrawn-rec/",
    ],
)
def test_hidden_items_have_no_detail(client, w, path):
    response = client.get(f"{API}/{path}")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No published")


def test_hidden_claims_and_status_changes_have_no_detail(client, w):
    for claim in (w.draft_claim, w.withdrawn_claim, w.orphan_claim):
        assert client.get(f"{API}/claims/{claim.pk}/").status_code == 404
    hidden_change = StatusChange.objects.get(recommendation=w.draft_rec)
    assert client.get(f"{API}/status-changes/{hidden_change.pk}/").status_code == 404


def test_a_recommendation_shows_only_its_published_relations(client, w):
    rec = get(client, f"recommendations/{w.rec.slug}/")
    assert HIDDEN not in str(rec).lower()
    assert [d["slug"] for d in rec["documents"]] == ["hoff-2016"]
    assert [p["slug"] for p in rec["policies"]] == ["peace-and-security"]
    assert [e["claim"]["id"] for e in rec["evidence"]] == [w.aegis.pk]
    # The adoption stays in the history; the unpublished policy behind it does not.
    assert [(s["status"], s["policy"]) for s in rec["status_history"]] == [
        ("proposed", None),
        ("adopted", None),
    ]


def test_a_policy_lists_only_published_claims(client, w):
    assert get(client, "policies/peace-and-security/")["claims"] == [w.aegis.pk]


def test_a_recommendation_filter_by_an_unpublished_document_is_refused(client, w):
    response = client.get(f"{API}/recommendations/", {"document": "draft-paper"})
    assert response.status_code == 400
    assert response.json()["errors"]["document"] == [
        "There is no published document with this slug."
    ]


# --- Representations ----------------------------------------------------------


def test_a_recommendation_detail_nests_status_history_and_evidence(client, w):
    rec = get(client, f"recommendations/{w.rec.slug}/")
    assert rec["status"] == "adopted"
    assert rec["url"] == f"http://testserver{API}/recommendations/deploy-aegis-ashore/"
    assert rec["html_url"] == "http://testserver/recommendations/deploy-aegis-ashore/"
    assert rec["topics"] == ["ballistic-missile-defense"]
    assert rec["actors"] == ["japan"]
    assert rec["status_history"] == [
        {
            "id": w.proposed.pk,
            "status": "proposed",
            "date": "2016",
            "date_precision": "year",
            "note": "",
            "source": "Hoff (2016)",
            "source_url": "",
            "policy": None,
        },
        {
            "id": w.adopted.pk,
            "status": "adopted",
            "date": "2017-12-19",
            "date_precision": "day",
            "note": "",
            "source": "Cabinet decision",
            "source_url": "",
            "policy": None,
        },
    ]
    [evidence] = rec["evidence"]
    assert evidence == {
        "role": "supports",
        "note": "The proposal.",
        "claim": {
            "id": w.aegis.pk,
            "url": f"http://testserver{API}/claims/{w.aegis.pk}/",
            "html_url": f"http://testserver/claims/{w.aegis.pk}/",
            "quote": w.aegis.quote,
            "summary": "Deploy Aegis Ashore.",
            "kind": "assessment",
            "start_offset": w.aegis.start_offset,
            "end_offset": w.aegis.end_offset,
            "document": {
                "slug": "hoff-2016",
                "title": "Next Steps for the alliance",
                "url": f"http://testserver{API}/documents/hoff-2016/",
                "html_url": "http://testserver/documents/hoff-2016/",
            },
        },
    }
    assert w.paper.body[evidence["claim"]["start_offset"] : evidence["claim"]["end_offset"]] == (
        w.aegis.quote
    )


def test_a_status_change_names_its_published_policy(client, w):
    StatusChange.objects.filter(pk=w.adopted.pk).update(policy=w.law)
    rec = get(client, f"recommendations/{w.rec.slug}/")
    assert rec["status_history"][1]["policy"]["slug"] == "peace-and-security"
    change = get(client, f"status-changes/{w.adopted.pk}/")
    assert change["policy"]["url"] == f"http://testserver{API}/policies/peace-and-security/"
    assert change["recommendation"]["slug"] == w.rec.slug


def test_a_document_list_omits_the_body_and_its_detail_has_it(client, w):
    [listed] = get(client, "documents/")["results"]
    assert "body" not in listed
    detail = get(client, "documents/hoff-2016/")
    assert detail["body"] == w.paper.body
    assert detail["published_on"] == "2016"
    assert detail["published_precision"] == "year"
    assert detail["authors"] == ["Rachel Hoff"]
    assert "notes" not in detail


def test_dates_are_shown_at_their_precision(client):
    DocumentFactory(
        slug="monthly", published_on=datetime.date(2022, 12, 1), published_precision="month"
    )
    PolicyFactory(slug="undated", adopted_on=None)
    assert get(client, "documents/monthly/")["published_on"] == "2022-12"
    assert get(client, "policies/undated/")["adopted_on"] is None


def test_claims_are_looked_up_by_id(client, w):
    claim = get(client, f"claims/{w.aegis.pk}/")
    assert claim["quote"] == w.aegis.quote
    assert claim["document"]["slug"] == "hoff-2016"
    assert claim["topics"] == ["ballistic-missile-defense"]


def test_the_api_root_lists_every_endpoint(client):
    root = client.get(f"{API}/").json()
    assert sorted(root) == sorted(LISTS)


# --- Filters ----------------------------------------------------------------


def test_recommendations_filter_by_status_topic_actor_document_and_policy(client, w):
    other = RecommendationFactory(slug="other")
    StatusChangeFactory(recommendation=other, status="implemented")

    def slugs(**params):
        return [r["slug"] for r in get(client, "recommendations/", **params)["results"]]

    assert slugs(status="adopted") == [w.rec.slug]
    assert slugs(status=["adopted", "implemented"]) == [w.rec.slug, "other"]
    assert slugs(topic="ballistic-missile-defense") == [w.rec.slug]
    assert slugs(actor="japan") == [w.rec.slug]
    assert slugs(document="hoff-2016") == [w.rec.slug]
    assert slugs(policy="peace-and-security") == [w.rec.slug]


def test_documents_filter_by_kind_and_publication_dates(client):
    DocumentFactory(slug="old", published_on=datetime.date(2015, 1, 1), kind="report")
    DocumentFactory(slug="new", published_on=datetime.date(2020, 6, 1), published_precision="month")

    def slugs(**params):
        return [d["slug"] for d in get(client, "documents/", **params)["results"]]

    assert slugs(kind="report") == ["old"]
    assert slugs(published_after="2020-06-01") == ["new"]
    assert slugs(published_before="2019-12-31") == ["old"]


def test_status_changes_filter_by_date_range_status_and_recommendation(client, w):
    def ids(**params):
        return [c["id"] for c in get(client, "status-changes/", **params)["results"]]

    assert ids(date_after="2017-01-01") == [w.adopted.pk]
    assert ids(date_before="2016-12-31") == [w.proposed.pk]
    assert ids(status="proposed", recommendation=w.rec.slug) == [w.proposed.pk]


def test_policies_filter_by_instrument_actor_and_adoption_date(client, w):
    PolicyFactory(slug="strategy", instrument="strategy", adopted_on=datetime.date(2022, 12, 16))

    def slugs(**params):
        return [p["slug"] for p in get(client, "policies/", **params)["results"]]

    assert slugs(instrument="law") == ["peace-and-security"]
    assert slugs(actor="japan") == ["peace-and-security"]
    assert slugs(adopted_after="2020-01-01") == ["strategy"]
    assert slugs(adopted_before="2020-01-01") == ["peace-and-security"]


def test_claims_filter_by_document_topic_and_kind(client, w):
    def ids(**params):
        return [c["id"] for c in get(client, "claims/", **params)["results"]]

    assert ids(document="hoff-2016", topic="ballistic-missile-defense") == [w.aegis.pk]
    assert ids(kind="fact") == []


@pytest.mark.parametrize("path", SEARCHABLE)
def test_search_uses_the_sites_full_text_search(client, w, path):
    everything = get(client, f"{path}/")["count"]
    assert everything > 0
    assert get(client, f"{path}/", q="nothingmatchesthis")["count"] == 0


def test_search_finds_a_recommendation_by_a_word_of_its_title(client, w):
    RecommendationFactory(slug="gsomia", title="Sign a GSOMIA")
    assert [r["slug"] for r in get(client, "recommendations/", q="aegis")["results"]] == [
        w.rec.slug
    ]


def test_ordering_by_an_allowed_key_either_way(client):
    for title in ("B", "A", "C"):
        RecommendationFactory(title=title, slug=title.lower())
    assert [r["title"] for r in get(client, "recommendations/", ordering="-title")["results"]] == [
        "C",
        "B",
        "A",
    ]


# --- updated_since ------------------------------------------------------------


def _backdate(*querysets):
    past = timezone.now() - datetime.timedelta(days=30)
    for queryset in querysets:
        queryset.update(updated_at=past)


def test_updated_since_returns_exactly_what_changed(client, w):
    other = RecommendationFactory(slug="other")
    _backdate(
        Recommendation.objects.all(),
        Document.objects.all(),
        Claim.objects.all(),
        StatusChange.objects.all(),
        w.rec.evidence.all(),
        other.evidence.all(),
    )
    since = timezone.now() - datetime.timedelta(days=1)

    def slugs(path):
        return [
            r.get("slug", r.get("id"))
            for r in get(client, path, updated_since=since.isoformat())["results"]
        ]

    assert slugs("recommendations/") == []
    other.title = "Renamed"
    other.save()
    assert slugs("recommendations/") == ["other"]
    assert slugs("documents/") == []
    assert slugs("claims/") == []


def test_updated_since_counts_a_new_status_change_or_evidence_edit_as_a_change(client, w):
    other = RecommendationFactory(slug="other")
    _backdate(Recommendation.objects.all(), StatusChange.objects.all(), w.rec.evidence.all())
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()  # a date works too

    def slugs():
        return [r["slug"] for r in get(client, "recommendations/", updated_since=since)["results"]]

    assert slugs() == []
    StatusChangeFactory(recommendation=other, status="implemented")
    assert slugs() == ["other"]
    w.evidence.note = "Reworded."
    w.evidence.save()
    assert slugs() == [w.rec.slug, "other"]


def test_updated_since_on_status_changes_includes_an_edit_of_their_recommendation(client, w):
    _backdate(StatusChange.objects.all(), Recommendation.objects.all(), Policy.objects.all())
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assert get(client, "status-changes/", updated_since=since)["count"] == 0
    w.rec.title = "Deploy Aegis Ashore now"
    w.rec.save()
    ids = [c["id"] for c in get(client, "status-changes/", updated_since=since)["results"]]
    assert ids == [w.adopted.pk, w.proposed.pk]


def test_updated_since_on_claims_includes_an_edit_of_their_document(client, w):
    _backdate(Claim.objects.all(), Document.objects.all())
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assert get(client, "claims/", updated_since=since)["count"] == 0
    w.paper.title = "Retitled"
    w.paper.save()
    assert [c["id"] for c in get(client, "claims/", updated_since=since)["results"]] == [w.aegis.pk]


# --- Pagination ---------------------------------------------------------------


def test_pages_carry_count_and_links(client):
    for i in range(5):
        RecommendationFactory(slug=f"r{i}", title=f"R{i}")
    first = get(client, "recommendations/", page_size=2)
    assert first["count"] == 5
    assert first["previous"] is None
    assert first["next"] == f"http://testserver{API}/recommendations/?page=2&page_size=2"
    middle = get(client, "recommendations/", page_size=2, page=2)
    assert middle["previous"] == f"http://testserver{API}/recommendations/?page_size=2"
    assert middle["next"] == f"http://testserver{API}/recommendations/?page=3&page_size=2"
    last = get(client, "recommendations/", page_size=2, page=3)
    assert [r["slug"] for r in last["results"]] == ["r4"]
    assert last["next"] is None
    assert last["previous"] == f"http://testserver{API}/recommendations/?page=2&page_size=2"


QUERIES = [
    "",
    "page=2",
    "q=missile+defense&page_size=2&page=2",
    "q=missile%20defense&status=adopted&status=rejected",
    "b=1&a=2&a=3&page=3",
    "q=%E6%97%A5%E7%B1%B3%20alliance",
    "q=a%2Bb&x=",
    "q=50%25&ordering=-title,slug",
    "q=%ZZ&q=%",
    "q=a;b&c=%3D%26",
    "q=%27%22%3C%3E&format=csv",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("number", [None, 2, 17])
@pytest.mark.parametrize("host, secure", [("testserver", False), ("example.org:8443", True)])
def test_page_links_are_the_ones_drf_makes(settings, query, number, host, secure):
    """The links are made from the parameters the request has parsed, not by
    taking its URL apart: the same URLs as DRF's own functions make."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory
    from rest_framework.utils.urls import remove_query_param, replace_query_param

    from editorial.api.pagination import PageNumberPagination

    settings.ALLOWED_HOSTS = ["testserver", "example.org"]
    request = Request(
        APIRequestFactory().get(f"{API}/claims/?{query}", HTTP_HOST=host, secure=secure)
    )
    paginator = PageNumberPagination()
    paginator.request = request
    url = request.build_absolute_uri()
    expected = (
        remove_query_param(url, "page")
        if number is None
        else replace_query_param(url, "page", number)
    )
    assert paginator._link_to(number) == expected


def test_an_empty_list_is_one_empty_page(client):
    assert get(client, "recommendations/") == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_the_default_page_holds_25_and_100_is_the_most(client):
    Recommendation.objects.bulk_create(
        Recommendation(title=f"R{i:03}", slug=f"r{i}", state="published") for i in range(120)
    )
    assert len(get(client, "recommendations/")["results"]) == 25
    assert len(get(client, "recommendations/", page_size=100)["results"]) == 100


# --- CSV ------------------------------------------------------------------------


def test_csv_flattens_nested_values_into_fixed_columns(client, w):
    [row] = csv_rows(client, "recommendations/")
    assert row["slug"] == w.rec.slug
    assert row["documents"] == "hoff-2016"
    assert row["topics"] == "ballistic-missile-defense"
    assert row["status"] == "adopted"
    [claim] = csv_rows(client, "claims/")
    assert claim["document.slug"] == "hoff-2016"
    assert claim["quote"] == w.aegis.quote
    changes = csv_rows(client, "status-changes/")
    assert [c["policy.slug"] for c in changes] == ["", ""]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_has_a_csv_header_even_when_empty(client, path):
    response = client.get(f"{API}/{path}/", {"format": "csv"})
    assert response.status_code == 200
    header = response.content.decode().splitlines()
    assert len(header) == 1 and header[0].split(",")[1] == "url"


def test_csv_is_offered_as_a_download_of_the_page(client, w):
    response = client.get(f"{API}/claims/", {"format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="claims-page-1.csv"'


def test_csv_is_also_chosen_by_the_accept_header(client, w):
    response = client.get(f"{API}/topics/", headers={"Accept": "text/csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_updated_since_takes_any_utc_offset_even_past_postgresqls_limit(client, w):
    # Found by schemathesis: PostgreSQL refuses offsets past 15:59 that ISO allows.
    assert get(client, "claims/", updated_since="2000-01-01T00:00:00-19:56")["count"] == 1


# --- Links ------------------------------------------------------------------


def test_links_follow_each_requests_scheme_host_and_script_prefix(client, settings, w):
    """Link templates are kept per origin and prefix: a request never gets
    another's host (both ways of reaching the server are asked in turn)."""
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    slug = w.rec.slug
    asked = [
        ({"HTTP_HOST": "a.example"}, "/", "http://a.example/"),
        ({"HTTP_HOST": "b.example", "secure": True}, "/", "https://b.example/"),
        ({"HTTP_HOST": "a.example"}, "/tracker/", "http://a.example/tracker/"),
        ({"HTTP_HOST": "a.example"}, "/", "http://a.example/"),
    ]
    for extra, prefix, root in asked:
        with override_script_prefix(prefix):
            detail = client.get(f"{API}/recommendations/{slug}/", **extra).json()
            page = client.get(f"{API}/recommendations/", **extra).json()
        assert detail["url"] == f"{root}api/v1/recommendations/{slug}/", extra
        assert detail["html_url"] == f"{root}recommendations/{slug}/", extra
        assert detail["documents"] and all(
            d["url"].startswith(f"{root}api/v1/documents/") for d in detail["documents"]
        ), extra
        assert page["results"] and all(
            item["url"].startswith(f"{root}api/v1/recommendations/") for item in page["results"]
        ), extra


def test_the_base_queryset_built_once_per_class_is_copied_never_read(client):
    """A viewset builds its published rows' queryset once per process and
    hands out copies: rows added later are listed, none are cached on it."""
    from editorial.api.views import RecommendationViewSet

    before = get(client, "recommendations/")["count"]
    RecommendationFactory(title="Added after the first list")
    RecommendationFactory(title="A draft, never listed", state=State.DRAFT)
    after = get(client, "recommendations/")
    assert after["count"] == before + 1
    assert "Added after the first list" in {item["title"] for item in after["results"]}
    base = RecommendationViewSet.__dict__["_base_queryset"]
    assert base._result_cache is None


# --- Search pages -------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the ranking is PostgreSQL's (run in CI)"
)
@pytest.mark.parametrize("path", ["claims", "recommendations"])
def test_a_searched_list_pages_through_the_sites_ranking(client, monkeypatch, path):
    """Claims and recommendations rank a searched page themselves
    (``search.ranked_ids``): page by page the items, and their order, that
    ``filter_search`` gives, ties broken by id, drafts left out, past the
    candidate cap and after the other filters; with ``ordering``, that order."""
    from editorial import search

    topic = TopicFactory()
    for n in range(14):
        # Three ranks: a summary that repeats the word ranks higher; equal
        # ranks come in several places, so the tie-break shows.
        summary = "Aegis " * (n % 3 + 1) + f"plan #{n}"
        state = State.DRAFT if n % 5 == 4 else State.PUBLISHED
        if path == "claims":
            item = ClaimFactory(quote=AEGIS, summary=summary, state=state)
        else:
            item = RecommendationFactory(title=f"Deploy #{n}", summary=summary, state=state)
        if n % 2:
            item.topics.add(topic)
    model = Claim if path == "claims" else Recommendation
    monkeypatch.setattr(search, "CANDIDATES", 9)

    def pages(**params):
        shown, number = [], 1
        while True:
            page = get(client, f"{path}/", q="aegis", page_size=2, page=number, **params)
            shown += [item["id" if path == "claims" else "slug"] for item in page["results"]]
            if not page["next"]:
                return page["count"], shown
            number += 1

    key = "pk" if path == "claims" else "slug"
    for params, queryset in [
        ({}, model.objects.published()),
        ({"topic": topic.slug}, model.objects.published().filter(topics=topic)),
    ]:
        ranked = search.filter_search(queryset, "aegis")
        expected = list(ranked.values_list(key, flat=True))
        assert len(set(ranked.values_list("rank", flat=True))) > 1
        assert pages(**params) == (len(expected), expected)
        # Asked for again, each page is ranked inside the statement that
        # composes its items (search.asked_before): the same pages.
        assert pages(**params) == (len(expected), expected)
    # A page asked for the first time on the connection: its ids first, then
    # the items; asked for again, one statement.
    for ranked_apart in (True, False):
        with CaptureQueriesContext(connection) as captured:
            first = get(client, f"{path}/", q="aegis")
        (composed,) = [query["sql"] for query in captured if "json_agg" in query["sql"]]
        apart = [query["sql"] for query in captured if query["sql"].startswith("SELECT id FROM (")]
        assert (len(apart), "ARRAY(SELECT id FROM (" not in composed) == (
            (1, True) if ranked_apart else (0, False)
        )
        assert [item[key if key == "slug" else "id"] for item in first["results"]] == list(
            search.filter_search(model.objects.published(), "aegis").values_list(key, flat=True)
        )
    # The same page as CSV, and read as a list (what a renderer may do).
    json_page = get(client, f"{path}/", q="aegis", page_size=3, page=2)["results"]
    csv_page = csv_rows(client, f"{path}/", q="aegis", page_size=3, page=2)
    assert [str(item[key if key == "slug" else "id"]) for item in json_page] == [
        row[key if key == "slug" else "id"] for row in csv_page
    ]
    matches = search.RankedMatches(model.objects.published(), "aegis")
    page = matches[3:6]
    assert list(page) == search.ranked_ids(model.objects.published(), "aegis", offset=3, limit=3)
    assert len(page) == 3 and list(matches[4:4]) == []
    # Another order asked for: the matches in that order.
    ranked = search.filter_search(model.objects.published(), "aegis")
    by_update = list(ranked.order_by("-updated_at", "pk").values_list(key, flat=True))
    assert by_update != list(ranked.values_list(key, flat=True))
    assert pages(ordering="-updated_at") == (len(by_update), by_update)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the ranking is PostgreSQL's (run in CI)"
)
@pytest.mark.parametrize("path", ["claims", "recommendations"])
def test_a_search_alone_is_compiled_once_and_each_finds_its_own_matches(
    client, monkeypatch, spy, path
):
    """Searched and not otherwise filtered, the statement that ranks a page
    is compiled once per process, the words a parameter: each search still
    finds its own matches, and a filter added is a statement of its own."""
    from editorial import search

    monkeypatch.setattr(search, "_ranked_statements", {})
    compiled = spy(search, "_ranked_statement")
    topic = TopicFactory()
    found = {}
    for word in ("kestrelwatch", "zephyrine", "kestrelwatch zephyrine"):
        if path == "claims":
            item = ClaimFactory(quote=AEGIS, summary=f"The {word} plan")
        else:
            item = RecommendationFactory(title=f"The {word} plan")
        found[word] = item.pk if path == "claims" else item.slug
    item.topics.add(topic)
    key = "id" if path == "claims" else "slug"
    for word, expected in [
        ("kestrelwatch", {found["kestrelwatch"], found["kestrelwatch zephyrine"]}),
        ("zephyrine", {found["zephyrine"], found["kestrelwatch zephyrine"]}),
        ('"kestrelwatch plan"', {found["kestrelwatch"]}),
    ]:
        page = get(client, f"{path}/", q=word)
        assert {result[key] for result in page["results"]} == expected, word
    assert len(compiled) == 1
    page = get(client, f"{path}/", q="kestrelwatch", topic=topic.slug)
    assert [result[key] for result in page["results"]] == [found["kestrelwatch zephyrine"]]
    assert len(compiled) == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the ranking is PostgreSQL's (run in CI)"
)
def test_a_search_alone_writes_any_words_into_its_statement(client, monkeypatch):
    """The statement written once for every search alone takes each one's
    words as a literal of its own, quotes, percent signs and backslashes
    included: it finds what the same search with a filter (a statement
    written for it) finds."""
    from editorial import search

    monkeypatch.setattr(search, "_ranked_statements", {})
    claim = ClaimFactory(quote=AEGIS, summary="O'Brien's 100% plan, c:\\kestrelwatch")
    for q in ["O'Brien", "100%", "c:\\kestrelwatch", "'", "%", "\\", "%s", "plan %(q)s"]:
        alone = get(client, "claims/", q=q)["results"]
        filtered = get(client, "claims/", q=q, document=claim.document.slug)["results"]
        assert [item["id"] for item in alone] == [item["id"] for item in filtered], q
    assert [item["id"] for item in get(client, "claims/", q="O'Brien")["results"]] == [claim.pk]
    assert len(search._ranked_statements) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the ranking is PostgreSQL's (run in CI)"
)
@pytest.mark.parametrize("path", ["claims", "recommendations"])
def test_a_searched_page_builds_the_orm_search_only_to_count(client, spy, path):
    """Where the view ranks a searched page itself, ``filter_search`` (the
    ORM's ranked queryset) is built only when the count is not cached, and
    only for the count; with ``ordering`` the list is that queryset."""
    from editorial import search

    for n in range(3):
        if path == "claims":
            ClaimFactory(quote=AEGIS, summary=f"Aegis plan #{n}")
        else:
            RecommendationFactory(title=f"Deploy Aegis #{n}")
    calls = spy(search, "filter_search")
    first = get(client, f"{path}/", q="aegis", page_size=2)
    assert (first["count"], len(first["results"])) == (3, 2)
    assert [q for _queryset, q in calls] == ["aegis"]  # to count
    calls.clear()
    second = get(client, f"{path}/", q="aegis", page_size=2, page=2)
    assert (second["count"], len(second["results"]), calls) == (3, 1, [])
    ordered = get(client, f"{path}/", q="aegis", ordering="-updated_at")
    assert ordered["count"] == 3
    assert [q for _queryset, q in calls] == ["aegis"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the ranking is PostgreSQL's (run in CI)"
)
@pytest.mark.parametrize(
    "q", ["aegis 100%", "aegis %(ids)s", "aegis $1", "aegis O'Hanlon's", "aegis \\' or 1=1; --"]
)
def test_a_search_with_sql_characters_finds_what_the_site_finds(client, q):
    # The words are written into the statement that ranks the page (so that
    # a search asked for again is prepared): quoted, its placeholders left alone.
    from editorial import search

    for n in range(3):
        ClaimFactory(quote=AEGIS, summary=f"Aegis 100% $1 O'Hanlon's %(ids)s plan #{n}")
    expected = list(search.filter_search(Claim.objects.published(), q).values_list("pk", flat=True))
    page = get(client, "claims/", q=q)
    assert expected and [item["id"] for item in page["results"]] == expected
