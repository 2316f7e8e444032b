"""Pieces of the public pages cached on the content stamp (``fragments.py``):
the filters' option lists, the counts by status, the list counts. Each
editorial write moves the stamp, so readers see a change at once."""

import datetime

import pytest
from lxml import html as lxml_html

from editorial import filters

from .factories import DocumentFactory, RecommendationFactory, TopicFactory

pytestmark = pytest.mark.django_db


def options(page, name):
    tree = lxml_html.fromstring(page.content)
    return tree.xpath(f"//select[@name='{name}']/option/@value")


def selected(page, name):
    tree = lxml_html.fromstring(page.content)
    return tree.xpath(f"//select[@name='{name}']/option[@selected]/@value")


def test_a_new_topic_is_offered_at_once(client):
    client.get("/recommendations/")  # the options are cached now
    TopicFactory(name="Space", slug="space")
    page = client.get("/recommendations/")
    assert "space" in options(page, "topic")
    assert client.get("/recommendations/", {"topic": "space"}).status_code == 200


def test_a_withdrawn_document_is_no_longer_offered_nor_accepted(client):
    document = DocumentFactory(slug="kestrel-paper")
    assert "kestrel-paper" in options(client.get("/claims/"), "document")
    document.state = "withdrawn"
    document.save()
    assert "kestrel-paper" not in options(client.get("/claims/"), "document")
    assert client.get("/claims/", {"document": "kestrel-paper"}).status_code == 400


def test_a_large_archive_offers_its_recent_documents_and_accepts_any(client, monkeypatch):
    monkeypatch.setattr(filters, "DOCUMENT_OPTIONS", 3)
    old = DocumentFactory(slug="old-paper", published_on=datetime.date(2001, 1, 1))
    for year in (2020, 2021, 2022):
        DocumentFactory(slug=f"paper-{year}", published_on=datetime.date(year, 1, 1))
    RecommendationFactory(title="Old idea").documents.add(old)
    RecommendationFactory(title="New idea")

    offered = options(client.get("/recommendations/"), "document")
    assert offered == ["", "paper-2022", "paper-2021", "paper-2020"]

    # An older document, reached by its slug (its page links here), filters
    # the list and is shown as chosen.
    page = client.get("/recommendations/", {"document": "old-paper"})
    assert page.status_code == 200
    assert selected(page, "document") == ["old-paper"]
    assert "Old idea" in page.content.decode()
    assert "New idea" not in page.content.decode()


def test_the_home_counts_follow_a_publish(client):
    RecommendationFactory(title="Deploy Aegis Ashore")
    assert "1 recommendation tracked" in client.get("/").content.decode()
    RecommendationFactory(title="Sign a GSOMIA")
    assert "2 recommendations tracked" in client.get("/").content.decode()


def results_count(page):
    tree = lxml_html.fromstring(page.content)
    return " ".join(tree.xpath("string(//h2[@id='results-heading'])").split())


def test_a_list_count_follows_a_publish(client):
    draft = RecommendationFactory(title="Create a space agency", state="draft")
    RecommendationFactory(title="Deploy Aegis Ashore")
    assert results_count(client.get("/recommendations/")) == "1 recommendation"
    draft.state = "published"
    draft.save()
    page = client.get("/recommendations/")
    assert results_count(page) == "2 recommendations"
    assert "Create a space agency" in page.content.decode()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("editorial:claim-detail", {"pk": 42}),
        ("editorial:document-detail", {"slug": "hoff-2016-next-steps"}),
        ("editorial:recommendation-detail", {"slug": "Deploy_Aegis-2"}),
    ],
)
def test_fast_links_are_what_reverse_gives(name, kwargs, settings):
    from django.urls import reverse, set_script_prefix

    from editorial.links import url_for

    assert url_for(name, **kwargs) == reverse(name, kwargs=kwargs)
    set_script_prefix("/tracker/")
    try:
        assert url_for(name, **kwargs) == reverse(name, kwargs=kwargs)
        assert url_for(name, **kwargs).startswith("/tracker/")
    finally:
        set_script_prefix("/")


def test_a_value_the_fast_path_cannot_place_goes_through_reverse():
    from django.urls import NoReverseMatch

    from editorial.links import url_for

    with pytest.raises(NoReverseMatch):  # as reverse(): not a slug
        url_for("editorial:policy-detail", slug="\u00e9t\u00e9")


def test_the_home_recent_documents_follow_a_publish(client):
    DocumentFactory(title="An older paper", published_on=datetime.date(2001, 1, 1))
    assert "An older paper" in client.get("/").content.decode()
    draft = DocumentFactory(title="A fresh paper", published_on=datetime.date(2024, 1, 1))
    draft.state = "draft"
    draft.save()
    assert "A fresh paper" not in client.get("/").content.decode()
    draft.state = "published"
    draft.save()
    assert "A fresh paper" in client.get("/").content.decode()
