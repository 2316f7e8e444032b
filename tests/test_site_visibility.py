"""Drafts never leak: a draft or withdrawn item, and a published claim of an
unpublished document, appear on no page, feed, sitemap or search result.

Every hidden item carries a made-up word (in its title, quote or slug) that
nothing published contains, so "the word is absent" means "the item is absent".
"""

import datetime

import pytest
from django.urls import reverse

from editorial.models import Evidence

from .factories import (
    ClaimFactory,
    DocumentFactory,
    EvidenceFactory,
    PolicyFactory,
    RecommendationFactory,
    StatusChangeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

VISIBLE_BODY = (
    "The alliance should deploy Aegis Ashore to cover Japan.\n\n"
    "Editors are still checking whether this sentence belongs here."
)
HIDDEN_BODY = "This text is in a draft: ocelotquote is its claim.\n\nMore narwhaltext."
MARKERS = [
    "quokka",  # draft recommendation
    "wombat",  # withdrawn recommendation
    "narwhal",  # draft document (title, slug and text)
    "kestrel",  # withdrawn document
    "ocelot",  # published claim of the draft document
    "pangolin",  # draft claim of a published document (in its summary: the quote is
    #             published text of the document)
    "axolotl",  # draft policy
    "tapir",  # withdrawn policy
]


@pytest.fixture
def content():
    topic = TopicFactory(slug="bmd", name="Missile defense")
    document = DocumentFactory(slug="visible-paper", title="Visible paper", body=VISIBLE_BODY)
    visible_claim = ClaimFactory(
        document=document,
        quote="deploy Aegis Ashore to cover Japan",
        summary="Japan should deploy Aegis Ashore.",
    )
    visible_claim.topics.add(topic)
    draft_claim = ClaimFactory(
        document=document,
        state="draft",
        quote="whether this sentence belongs here",
        summary="A pangolin summary",
    )
    draft_document = DocumentFactory(
        state="draft", slug="narwhal-paper", title="The narwhal paper", body=HIDDEN_BODY
    )
    claim_of_draft = ClaimFactory(
        document=draft_document, quote="ocelotquote is its claim", summary="The ocelot summary"
    )
    claim_of_draft.topics.add(topic)
    DocumentFactory(
        state="withdrawn", slug="kestrel-paper", title="Kestrel paper", body="kestrel text"
    )

    policy = PolicyFactory(slug="visible-law", title="Visible law")
    policy.claims.add(visible_claim, draft_claim, claim_of_draft)
    draft_policy = PolicyFactory(state="draft", slug="axolotl-act", title="Axolotl act")
    PolicyFactory(state="withdrawn", slug="tapir-accord", title="Tapir accord")

    recommendation = RecommendationFactory(slug="deploy-aegis", title="Deploy Aegis Ashore")
    recommendation.documents.add(document, draft_document)
    recommendation.topics.add(topic)
    recommendation.policies.add(policy, draft_policy)
    for position, claim in enumerate([visible_claim, draft_claim, claim_of_draft]):
        EvidenceFactory(recommendation=recommendation, claim=claim, position=position)
    StatusChangeFactory(recommendation=recommendation, status="proposed")
    StatusChangeFactory(
        recommendation=recommendation,
        status="adopted",
        date=datetime.date(2017, 12, 19),
        date_precision="day",
        policy=draft_policy,
        source="Cabinet of Japan",
    )

    for state, word in (("draft", "quokka"), ("withdrawn", "wombat")):
        hidden = RecommendationFactory(
            state=state, slug=f"{word}-plan", title=f"The {word} plan", summary=f"{word} summary"
        )
        hidden.documents.add(document)
        hidden.topics.add(topic)
        hidden.policies.add(policy)
        EvidenceFactory(recommendation=hidden, claim=visible_claim)
        StatusChangeFactory(
            recommendation=hidden, status="implemented", source=f"{word} source", note=word
        )
    return {
        "document": document,
        "visible_claim": visible_claim,
        "draft_claim": draft_claim,
        "claim_of_draft": claim_of_draft,
        "policy": policy,
        "recommendation": recommendation,
    }


def assert_no_marker(response, url):
    assert response.status_code == 200, url
    page = response.content.decode().lower()
    leaked = [marker for marker in MARKERS if marker in page]
    assert not leaked, f"{url} shows {leaked}"


PUBLIC_PAGES = [
    "/",
    "/recommendations/",
    "/recommendations/?status=implemented",
    "/recommendations/?topic=bmd",
    "/recommendations/deploy-aegis/",
    "/documents/",
    "/documents/visible-paper/",
    "/claims/",
    "/claims/?topic=bmd",
    "/policies/",
    "/policies/visible-law/",
    "/feeds/status/",
    "/sitemap.xml",
    *(
        f"/sitemap-{section}.xml"
        for section in ("pages", "recommendations", "documents", "policies", "claims")
    ),
    *(f"/search/?q={marker}" for marker in MARKERS),
    *(
        f"/search/?q={marker}&kind={kind}"
        for marker in MARKERS
        for kind in ("recommendations", "documents", "claims", "policies")
    ),
    *(f"/recommendations/?q={marker}" for marker in MARKERS),
    *(f"/claims/?q={marker}" for marker in MARKERS),
]


@pytest.mark.parametrize("url", [url for url in PUBLIC_PAGES if "q=" not in url])
def test_no_hidden_item_appears_on_a_public_page(client, content, url):
    assert_no_marker(client.get(url), url)


@pytest.mark.parametrize("url", [url for url in PUBLIC_PAGES if "q=" in url])
def test_searching_for_a_hidden_item_finds_nothing(client, content, url):
    # The page repeats the query itself, so look at the results, not the words.
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert 'class="search-result"' not in page
    assert 'class="card"' not in page
    if url.startswith("/search/"):
        assert "Nothing published matches" in page


def test_searching_finds_visible_items_so_the_empty_results_mean_something(client, content):
    page = client.get("/search/", {"q": "Aegis"}).content.decode()
    assert page.count('class="search-result"') == 3  # recommendation, document, claim
    assert (
        client.get("/recommendations/", {"q": "Aegis"}).content.decode().count('class="card"') == 1
    )


def test_the_visible_content_is_there_so_the_absence_test_means_something(client, content):
    page = client.get("/recommendations/deploy-aegis/").content.decode()
    assert "Deploy Aegis Ashore" in page
    assert f"#claim-{content['visible_claim'].pk}" in page
    assert "Visible law" in page
    assert "Visible paper" in page
    document_page = client.get("/documents/visible-paper/").content.decode()
    assert f'id="claim-{content["visible_claim"].pk}"' in document_page
    # The draft claim's words are published text of the document, but they
    # are not highlighted as a claim.
    assert "whether this sentence belongs here" in document_page
    assert f'id="claim-{content["draft_claim"].pk}"' not in document_page
    assert document_page.count('<mark class="claim" id=') == 1


def test_hidden_items_have_no_page(client, content):
    for url in (
        "/recommendations/quokka-plan/",
        "/recommendations/wombat-plan/",
        "/documents/narwhal-paper/",
        "/documents/kestrel-paper/",
        f"/claims/{content['claim_of_draft'].pk}/",
        f"/claims/{content['draft_claim'].pk}/",
        "/policies/axolotl-act/",
        "/policies/tapir-accord/",
        reverse("editorial:document-citation", kwargs={"slug": "narwhal-paper", "fmt": "ris"}),
    ):
        assert client.get(url).status_code == 404, url


def test_an_enacting_policy_that_is_not_published_is_not_linked(client, content):
    page = client.get("/recommendations/deploy-aegis/").content.decode()
    assert "Enacted by" not in page
    assert "/policies/axolotl-act/" not in page


def test_evidence_shows_only_visible_claims(client, content):
    page = client.get("/recommendations/deploy-aegis/").content.decode()
    assert page.count('class="quote__link"') == 1
    assert Evidence.objects.filter(recommendation=content["recommendation"]).count() == 3


def test_filters_do_not_offer_unpublished_documents(client, content):
    for url in ("/recommendations/", "/claims/"):
        page = client.get(url).content.decode()
        assert 'value="visible-paper"' in page
        assert "narwhal" not in page and "kestrel" not in page
    response = client.get("/recommendations/", {"document": "narwhal-paper"})
    assert response.status_code == 400
