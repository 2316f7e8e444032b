"""The public site's pages, on the real seed content."""

import datetime
import json

import lxml.html
import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.defaults import server_error

from editorial import quotes
from editorial.models import Claim, Document, Policy, Recommendation, Status
from editorial.publishing import State
from editorial.search import filter_search

from .factories import (
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    RecommendationFactory,
    StatusChangeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

AEGIS = "/recommendations/deploy-aegis-ashore/"
HOFF = "hoff-2016-next-steps"


def html(response):
    return lxml.html.fromstring(response.content)


def page_urls():
    claim = Claim.objects.published().order_by("pk").first()
    return [
        "/",
        "/recommendations/",
        AEGIS,
        "/documents/",
        f"/documents/{HOFF}/",
        "/claims/",
        f"/claims/{claim.pk}/",
        "/policies/",
        "/policies/aegis-ashore-introduction-2017/",
        "/search/",
        "/search/?q=aegis",
        "/search/?q=aegis&kind=claims",
    ]


def test_every_page_has_one_h1_landmarks_a_skip_link_and_no_inline_style(client, seeded_site):
    for url in page_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        tree = html(response)
        assert len(tree.xpath("//h1")) == 1, url
        for landmark in ("header", "nav", "main", "footer"):
            assert tree.xpath(f"//{landmark}"), (url, landmark)
        assert tree.xpath("//a[@class='skip-link'][@href='#main']"), url
        assert tree.xpath("//main[@id='main']"), url
        # The CSP forbids inline styles and scripts: none may be needed.
        assert not tree.xpath("//*[@style]"), url
        assert not tree.xpath("//style"), url
        assert not tree.xpath("//script[not(@type='application/ld+json')]"), url
        # Every form control has a label.
        for control in tree.xpath("//input[not(@type='hidden')] | //select"):
            assert tree.xpath(f"//label[@for='{control.get('id')}']"), (url, control.get("name"))


def test_home_counts_recommendations_by_status_and_links_each_to_the_filtered_list(
    client, seeded_site
):
    tree = html(client.get("/"))
    links = {
        a.get("href"): a.text_content().split() for a in tree.xpath("//a[@class='status-count']")
    }
    assert len(links) == len(Status)
    for status in Status:
        count, *label = links[f"/recommendations/?status={status.value}"]
        assert int(count) == Recommendation.objects.published().filter(status=status).count()
        assert " ".join(label) == status.label


def test_home_lists_recent_status_changes_and_documents(client, seeded_site):
    page = client.get("/").content.decode()
    assert "Recent status changes" in page
    assert "Next Steps for U.S.-Japan Security Cooperation" in page
    latest = html(client.get("/")).xpath("//ol[@class='change-list']/li[1]//time/@datetime")[0]
    assert latest == "2023-12-19"


def test_the_aegis_ashore_page_shows_the_status_timeline_with_dates_at_their_precision(
    client, seeded_site
):
    tree = html(client.get(AEGIS))
    assert "Superseded" in tree.xpath("string(//p[@class='detail__status'])")
    items = tree.xpath("//ol[@class='timeline']/li")
    assert [li.xpath("string(.//time/@datetime)") for li in items] == [
        "2016",
        "2017-12-19",
        "2020-06-15",
        "2020-06-24",
        "2020-12-18",
    ]
    assert items[0].xpath("string(.//time)") == "2016"
    assert items[1].xpath("string(.//time)") == "19 December 2017"
    assert "Cabinet of Japan, decision of 19 December 2017" in items[1].text_content()
    enacted = items[1].xpath(".//p[@class='timeline__policy']/a/@href")
    assert enacted == ["/policies/aegis-ashore-introduction-2017/"]


def test_a_status_source_links_to_its_url_when_there_is_one(client):
    change = StatusChangeFactory(
        source="Japan MOD, 24 June 2020", source_url="https://www.mod.go.jp/x.html"
    )
    tree = html(client.get(change.recommendation.get_absolute_url()))
    [link] = tree.xpath("//p[@class='timeline__source']/a")
    assert link.get("href") == "https://www.mod.go.jp/x.html"
    assert link.text == "Japan MOD, 24 June 2020"


def test_the_aegis_ashore_evidence_is_grouped_by_role_with_quotes_linked_into_the_document(
    client, seeded_site
):
    tree = html(client.get(AEGIS))
    recommendation = Recommendation.objects.get(slug="deploy-aegis-ashore")
    groups = tree.xpath("//section[contains(@class, 'evidence ')]")
    assert [g.xpath("string(.//h3/text())").strip() for g in groups] == ["Supports"]
    links = tree.xpath("//a[@class='quote__link']")
    expected = [
        f"/documents/{e.claim.document.slug}/#claim-{e.claim.pk}"
        for e in recommendation.evidence.select_related("claim__document").order_by("position")
    ]
    assert [a.get("href") for a in links] == expected
    first = recommendation.evidence.order_by("position").first().claim
    assert links[0].text_content() == first.quote


def test_the_aegis_ashore_page_lists_related_policies_and_the_proposing_document(
    client, seeded_site
):
    tree = html(client.get(AEGIS))
    hrefs = tree.xpath("//main//a/@href")
    assert "/policies/aegis-ashore-introduction-2017/" in hrefs
    assert "/policies/aegis-system-equipped-vessels-2020/" in hrefs
    assert f"/documents/{HOFF}/" in hrefs


def test_recommendation_filters_combine(client, seeded_site):
    def titles(**params):
        response = client.get("/recommendations/", params)
        assert response.status_code == 200
        return {a.text for a in html(response).xpath("//h3[@class='card__title']/a")}

    aegis = "Deploy a land-based missile defense system such as Aegis Ashore"
    assert aegis in titles(status="superseded")
    assert aegis in titles(status="superseded", topic="ballistic-missile-defense", actor="japan")
    assert aegis in titles(document=HOFF, topic="ballistic-missile-defense")
    assert aegis not in titles(status="proposed", topic="ballistic-missile-defense")
    assert aegis not in titles(status="superseded", actor="australia")
    assert aegis not in titles(document="hinata-yamaguchi-2018-new-chapter")
    assert titles(q="Aegis Ashore") >= {aegis}
    everything = titles()
    assert len(everything) == Recommendation.objects.published().count()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the page statement is PostgreSQL's (run in CI)"
)
def test_a_lists_page_query_is_compiled_once_for_each_set_of_filter_values(
    client, seeded_site, monkeypatch, spy
):
    """The recommendations list compiles its page query once per process for
    each set of filter values (what it depends on): other values, other
    pages and rows; a page of the same values, the rows of that page; a
    search, compiled for every query."""
    from editorial import db

    monkeypatch.setattr(db, "_page_queries", {})
    compiled = spy(db, "_compile_page_query")

    def links(**params):
        response = client.get("/recommendations/", params)
        assert response.status_code == 200
        return [a.get("href") for a in html(response).xpath("//h3[@class='card__title']/a")]

    def expected(status):
        rows = Recommendation.objects.published().filter(status=status).order_by("title", "pk")
        return [f"/recommendations/{item.slug}/" for item in rows[:25]]

    assert expected("superseded") and expected("proposed")
    assert links(status="superseded") == expected("superseded")
    assert len(compiled) == 1
    assert links(status="proposed") == expected("proposed")
    assert len(compiled) == 2
    assert links(status="superseded") == expected("superseded")
    assert links(status="proposed") == expected("proposed")
    assert len(compiled) == 2
    links(q="Aegis"), links(q="Aegis")
    assert len(compiled) == 4


def test_an_unknown_filter_value_shows_the_form_error_with_status_400(client, seeded_site):
    for params in ({"status": "bogus"}, {"topic": "no-such-topic"}, {"q": "x" * 201}):
        response = client.get("/recommendations/", params)
        assert response.status_code == 400, params
        tree = html(response)
        assert tree.xpath("//ul[contains(@class, 'errorlist')]"), params
        assert tree.xpath("//*[@aria-invalid='true']"), params
    response = client.get("/claims/", {"kind": "rumour"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("value", ["\x00", "hoff\x00-2016", "no such paper", "../admin", "é"])
@pytest.mark.parametrize("path", ["/recommendations/", "/claims/"])
def test_a_document_filter_that_is_no_slug_is_a_400_not_a_lookup(client, seeded_site, path, value):
    # Such a value could name no document; on PostgreSQL a NUL would fail the lookup.
    response = client.get(path, {"document": value})
    assert response.status_code == 400, value
    assert "Select a valid choice" in response.content.decode()


def test_bad_page_numbers_are_404_not_500(client, seeded_site):
    for url in ("/recommendations/?page=abc", "/recommendations/?page=99999", "/claims/?page=0"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode()
    assert client.get("/search/?q=aegis&kind=claims&page=zz").status_code == 404


def test_pagination_links_keep_the_filters(client):
    for n in range(30):
        StatusChangeFactory(
            recommendation=RecommendationFactory(title=f"Rec {n:02d}"), status="adopted"
        )
    response = client.get("/recommendations/", {"status": "adopted"})
    [next_link] = html(response).xpath("//a[@rel='next']/@href")
    assert "status=adopted" in next_link and "page=2" in next_link
    second = client.get("/recommendations/" + next_link)
    assert second.status_code == 200
    assert len(html(second).xpath("//h3[@class='card__title']")) == 5


def test_an_empty_result_says_so(client, seeded_site):
    response = client.get("/recommendations/", {"q": "zeppelin"})
    assert "No recommendation matches these filters" in response.content.decode()


def test_the_document_page_highlights_every_visible_claim_in_its_text(client, seeded_site):
    document = Document.objects.get(slug=HOFF)
    tree = html(client.get(document.get_absolute_url()))
    claims = Claim.objects.published().filter(document=document)
    assert claims.count() > 10
    for claim in claims:
        [mark] = tree.xpath(f"//div[@class='fulltext__body']//mark[@id='claim-{claim.pk}']")
        pieces = tree.xpath(f"//div[@class='fulltext__body']//mark[@data-claim='{claim.pk}']")
        # A quote may cross a paragraph break: its pieces together are the quote.
        text = " ".join(piece.text_content() for piece in pieces)
        assert quotes.normalise(text) == quotes.normalise(claim.quote)
        assert "claim" in mark.get("class")
    # The text is all there, paragraph by paragraph.
    body_text = tree.xpath("string(//div[@class='fulltext__body'])")
    assert " ".join(body_text.split()) == " ".join(document.body.split())


def test_the_document_page_offers_citations_and_metadata_at_the_date_precision(client, seeded_site):
    tree = html(client.get(f"/documents/{HOFF}/"))
    meta = {}
    for element in tree.xpath("//meta[@name or @property]"):
        meta.setdefault(element.get("name") or element.get("property"), []).append(
            element.get("content")
        )
    assert meta["citation_title"] == ["Next Steps for U.S.-Japan Security Cooperation"]
    assert meta["citation_author"] == ["Rachel Hoff"]
    assert meta["citation_publication_date"] == ["2016"]
    assert meta["citation_publisher"] == ["Sasakawa Peace Foundation USA"]
    assert meta["citation_technical_report_number"] == ["Issue No. 3"]
    assert meta["og:title"] == ["Next Steps for U.S.-Japan Security Cooperation"]
    assert meta["og:url"] == [f"http://testserver/documents/{HOFF}/"]
    [script] = tree.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert data["@type"] == "Report"
    assert data["datePublished"] == "2016"
    assert data["reportNumber"] == "Issue No. 3"
    downloads = tree.xpath("//a[@download]/@href")
    assert downloads == [f"/documents/{HOFF}/cite/{fmt}/" for fmt in ("bibtex", "ris", "csl-json")]
    day = html(client.get("/documents/rinehart-2015-new-defense-guidelines/"))
    assert day.xpath("//meta[@name='citation_publication_date']/@content") == ["2015/04/28"]


def test_json_ld_cannot_close_its_script_element():
    document = DocumentFactory(
        title="</script><script>alert(1)</script> & <!-- trick", kind="journal_article"
    )
    response = Client().get(document.get_absolute_url())
    page = response.content.decode()
    start = page.index('<script type="application/ld+json">')
    end = page.index("</script>", start)
    block = page[start + len('<script type="application/ld+json">') : end]
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert data["@type"] == "ScholarlyArticle"
    assert data["name"] == "</script><script>alert(1)</script> & <!-- trick"


def test_the_document_page_lists_the_recommendations_it_makes(client, seeded_site):
    tree = html(client.get(f"/documents/{HOFF}/"))
    listed = set(tree.xpath("//section[@aria-labelledby='recommendations-heading']//h3/a/@href"))
    expected = {r.get_absolute_url() for r in Recommendation.objects.filter(documents__slug=HOFF)}
    assert listed == expected


def test_a_claim_page_shows_the_quote_in_its_context_and_links_to_its_anchor(client, seeded_site):
    claim = Claim.objects.get(quote__startswith="In particular, the alliance should pursue")
    tree = html(client.get(claim.get_absolute_url()))
    [context] = tree.xpath("//div[@class='context']")
    marked = " ".join(mark.text_content() for mark in context.xpath(".//mark"))
    assert quotes.normalise(marked) == quotes.normalise(claim.quote)
    assert not context.xpath(".//mark[@id]")  # the anchor is on the document page
    before = context.text_content().split("In particular, the alliance should pursue")[0]
    assert len(before) > 100  # there is text before the quote
    assert before.lstrip().startswith("\u2026")
    assert len(context.xpath("./p")) == 2  # the quote crosses a paragraph break, kept
    assert f"/documents/{HOFF}/#claim-{claim.pk}" in tree.xpath("//main//a/@href")
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "Claim"
    assert data["text"] == claim.quote
    assert data["appearance"]["url"].endswith(f"/documents/{HOFF}/#claim-{claim.pk}")
    evidence_for = tree.xpath("//section[@aria-labelledby='used-heading']//a/@href")
    assert AEGIS in evidence_for


def test_claim_filters_combine(client, seeded_site):
    response = client.get("/claims/", {"document": HOFF, "kind": "fact", "topic": "space"})
    assert response.status_code == 200
    expected = Claim.objects.published().filter(
        document__slug=HOFF, kind="fact", topics__slug="space"
    )
    shown = html(response).xpath("//p[@class='card__meta']/a/@href")
    assert sorted(shown) == sorted(c.get_absolute_url() for c in expected)


def test_a_policy_page_uses_legislation_json_ld_for_a_cabinet_decision(client, seeded_site):
    tree = html(client.get("/policies/aegis-ashore-introduction-2017/"))
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "Legislation"
    assert data["legislationDate"] == "2017-12-19"
    assert data["legislationJurisdiction"] == [{"@type": "AdministrativeArea", "name": "Japan"}]
    enacted = tree.xpath("//section[@aria-labelledby='enacted-heading']//a/@href")
    assert enacted and enacted[0].startswith(AEGIS + "#status-")
    agreement = html(client.get("/policies/japan-rok-gsomia/"))
    data = json.loads(agreement.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "CreativeWork"


def test_the_document_list_counts_published_claims_and_recommendations_on_every_page(client):
    # Two pages; the counted document on the second, which is counted alone.
    documents = DocumentFactory.create_batch(26, published_on=datetime.date(2016, 1, 1))
    counted = documents[-1]
    ClaimFactory.create_batch(2, document=counted)
    ClaimFactory(document=counted, state=State.DRAFT)
    ClaimFactory(document=documents[0])
    for state in (State.PUBLISHED, State.DRAFT):
        RecommendationFactory(state=state).documents.add(counted)
    DocumentFactory(slug="draft-paper", state=State.DRAFT)

    published = Document.objects.published().count()  # the seed's too, if loaded
    cards = {}
    for page in range(1, (published - 1) // 25 + 2):
        tree = html(client.get("/documents/", {"page": page}))
        for card in tree.xpath('//li[@class="card"]'):
            slug = card.xpath(".//h3/a/@href")[0].split("/")[2]
            assert slug not in cards
            cards[slug] = card.xpath('.//p[@class="card__source"]')[0].text_content()
    assert len(cards) == published
    assert {document.slug for document in documents} <= set(cards)
    assert cards[counted.slug] == "1 recommendation · 2 quoted claims"
    assert cards[documents[0].slug] == "0 recommendations · 1 quoted claim"
    assert cards[documents[1].slug] == "0 recommendations · 0 quoted claims"


def test_policy_list_shows_each_published_policy(client, seeded_site):
    tree = html(client.get("/policies/"))
    assert len(tree.xpath("//h3[@class='card__title']")) == min(
        25, Policy.objects.published().count()
    )


def test_search_groups_ranked_results_with_highlighted_snippets_and_counts(client, seeded_site):
    response = client.get("/search/", {"q": "Japan"})
    tree = html(response)
    sections = {
        s.get("aria-labelledby"): s for s in tree.xpath("//section[@class='search-section']")
    }
    assert "section-recommendations" in sections
    assert "section-claims" in sections
    claims_total = filter_search(Claim.objects.published(), "Japan").count()
    assert claims_total > 3
    heading = sections["section-claims"].xpath("string(.//h3)")
    assert heading.endswith(f"({claims_total})")
    assert len(sections["section-claims"].xpath(".//li[@class='search-result']")) == 3
    more = sections["section-claims"].xpath(".//a[contains(@href, 'kind=claims')]/text()")
    assert more == [f"All {claims_total} matching claims"]
    assert tree.xpath("//p[@class='snippet']/mark")
    aegis = html(client.get("/search/", {"q": "Aegis Ashore"}))
    assert AEGIS in aegis.xpath("//section[@aria-labelledby='section-recommendations']//a/@href")


@pytest.mark.parametrize("kind", ["", "recommendations"])
def test_a_result_found_by_its_title_alone_shows_the_match_in_its_title(client, kind):
    """The snippet is cut from the summary, which may not hold the words: the
    title shows them marked, escaped like the rest."""
    # (A word of its own: the module's seed content may be loaded.)
    RecommendationFactory(
        title="Deploy Kestrelwatch <Ashore> radars", summary="Two sites, in Akita and Yamaguchi."
    )
    tree = html(client.get("/search/", {"q": "kestrelwatch", "kind": kind}))
    [title] = tree.xpath("//li[@class='search-result']//p[@class='search-result__title']/a")
    assert [mark.text for mark in title.xpath("mark")] == ["Kestrelwatch"]
    assert title.text_content() == "Deploy Kestrelwatch <Ashore> radars"
    assert tree.xpath("string(//p[@class='snippet'])") == "Two sites, in Akita and Yamaguchi."


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the candidate cap is PostgreSQL's (run in CI)"
)
def test_a_search_past_the_candidate_cap_says_its_count_is_a_floor(
    client, seeded_site, monkeypatch
):
    from editorial import search

    monkeypatch.setattr(search, "CANDIDATES", 8)
    tree = html(client.get("/search/", {"q": "Japan"}))
    claims = tree.xpath("//section[@aria-labelledby='section-claims']")[0]
    assert claims.xpath("string(.//h3)").endswith("(8+)")
    more = claims.xpath(".//a[contains(@href, 'kind=claims')]/text()")
    assert more == ["More matching claims (the newest 8 ranked)"]
    broad = "A broad search: where a count ends in +, only that many of the newest matches"
    assert broad in tree.xpath("string(//main)")
    one_kind = html(client.get("/search/", {"q": "Japan", "kind": "claims"}))
    assert one_kind.xpath("string(//h2)").strip().startswith("8+ claims")
    assert "A broad search: only the newest 8 matches are ranked" in one_kind.xpath(
        "string(//main)"
    )
    assert len(one_kind.xpath("//li[@class='search-result']")) == 8


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the candidate cap is PostgreSQL's (run in CI)"
)
def test_a_search_combined_with_filters_ranks_among_the_filtered_rows(client, monkeypatch):
    from editorial import search

    quote = "a land-based missile defense system, like Aegis Ashore"
    wanted = DocumentFactory()
    mine = [ClaimFactory(document=wanted, quote=quote, summary=f"Mine {n}") for n in range(2)]
    elsewhere = DocumentFactory()
    for _ in range(4):  # the newest matches, which a broad search takes first
        ClaimFactory(document=elsewhere, quote=quote, summary="Elsewhere")
    monkeypatch.setattr(search, "CANDIDATES", 3)
    tree = html(client.get("/claims/", {"q": "aegis", "document": wanted.slug}))
    shown = tree.xpath("//p[@class='card__meta']/a/@href")
    assert sorted(shown) == sorted(claim.get_absolute_url() for claim in mine)
    assert tree.xpath("string(//h2[@id='results-heading'])").split()[0] == "2"
    broad = html(client.get("/claims/", {"q": "aegis"}))
    assert broad.xpath("string(//h2[@id='results-heading'])").split()[0] == "3+"


def test_search_states_no_query_no_result_and_too_long(client, seeded_site):
    assert "Type a word or phrase" in client.get("/search/").content.decode()
    assert "Nothing published matches" in client.get("/search/?q=zeppelin").content.decode()
    response = client.get("/search/", {"q": "x" * 500})
    assert response.status_code == 400
    assert "limited to 200 characters" in response.content.decode()
    assert client.get("/search/", {"q": "aegis", "kind": "people"}).status_code == 400


def test_search_of_one_kind_is_paginated(client, seeded_site):
    response = client.get("/search/", {"q": "Japan", "kind": "claims"})
    assert response.status_code == 200
    tree = html(response)
    assert len(tree.xpath("//li[@class='search-result']")) == 20
    [next_link] = tree.xpath("//a[@rel='next']/@href")
    assert "kind=claims" in next_link and "q=Japan" in next_link


def test_robots_txt_disallows_the_admin_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_the_404_page_is_in_the_site_design(client):
    response = client.get("/recommendations/no-such-thing/")
    assert response.status_code == 404
    tree = html(response)
    assert tree.xpath("string(//h1)") == "Page not found"
    assert tree.xpath("//link[@rel='stylesheet']/@href")[0].startswith("/static/css/site")


def test_the_500_page_renders_without_context_processors():
    # Django's handler renders 500.html with a bare Context: no request at all.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    tree = lxml.html.fromstring(response.content)
    assert tree.xpath("string(//h1)") == "Something went wrong"
    assert tree.xpath("//link[@rel='stylesheet']/@href")[0].startswith("/static/css/site")
    assert tree.xpath("//nav//a/@href")


def test_the_admin_offers_view_on_site_leading_to_the_public_page(alice_client):
    recommendation = RecommendationFactory(slug="an-example")
    StatusChangeFactory(recommendation=recommendation, date=datetime.date(2017, 1, 1))
    change_url = reverse("admin:editorial_recommendation_change", args=[recommendation.pk])
    tree = html(alice_client.get(change_url))
    [link] = tree.xpath("//a[contains(@class, 'viewsitelink')]/@href")
    response = alice_client.get(link)
    assert response.status_code == 302
    assert response["Location"].endswith("/recommendations/an-example/")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="composed by PostgreSQL only")
def test_a_lists_cards_composed_by_postgresql_are_the_ones_python_makes():
    """On PostgreSQL one statement gives a page's cards with their topics and
    actors (``selectors.cards`` given the page's queryset); the same cards,
    in the same order, as from the rows and the tags' own query."""
    from editorial import selectors

    zulu, alpha = TopicFactory(name="Zulu topic"), TopicFactory(name="Alpha topic")
    japan, korea = ActorFactory(name="Korea"), ActorFactory(name="Japan")
    for n in range(6):
        recommendation = RecommendationFactory(title=f"Card {5 - n}", status=Status.ADOPTED)
        if n % 2:
            recommendation.topics.add(zulu, alpha)
            recommendation.actors.add(japan, korea)
    dated = Recommendation.objects.filter(title__startswith="Card ").order_by("pk").first()
    Recommendation.objects.filter(pk=dated.pk).update(
        status_date=datetime.date(2021, 3, 1), status_date_precision="month"
    )
    RecommendationFactory(title="Card draft", state="draft").topics.add(zulu)
    published = Recommendation.objects.published().filter(title__startswith="Card ")
    rows = selectors.recommendation_list(published.order_by("title", "pk"))
    for page in (rows[0:25], rows[1:4], rows[5:6]):
        with CaptureQueriesContext(connection) as queries:
            composed = selectors.cards(page)
        assert [query["sql"][:9] for query in queries] == ["WITH page"]
        assert composed == selectors.cards(list(page))
        assert all(isinstance(card, selectors.Card) for card in composed)
    composed = selectors.cards(rows[0:25])
    assert [card.title for card in composed] == [f"Card {n}" for n in range(6)]
    tagged = [card for card in composed if card.topic_tags]
    assert len(tagged) == 3
    assert [tag.name for tag in tagged[0].topic_tags] == ["Alpha topic", "Zulu topic"]
    assert [tag.name for tag in tagged[0].actor_tags] == ["Japan", "Korea"]
    assert any(card.status_date == datetime.date(2021, 3, 1) for card in composed)
    assert selectors.cards(rows.none()[0:25]) == []
    assert selectors.cards(rows[30:55]) == []
    # A slice with no end is read as it is, in Python.
    assert [card.title for card in selectors.cards(rows[4:])] == ["Card 4", "Card 5"]
