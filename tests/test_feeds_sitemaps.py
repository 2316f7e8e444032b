"""The Atom feed and the sitemap are valid XML and list published items only."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from editorial.models import Claim, Document, Policy, Recommendation, StatusChange
from editorial.publishing import State
from editorial.sitemaps import PublishedSitemap

from .factories import RecommendationFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_the_status_feed_is_atom_with_one_entry_per_status_change(client, seeded_site):
    response = client.get("/feeds/status/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    changes = StatusChange.objects.filter(recommendation__state="published")
    assert len(entries) == min(50, changes.count())
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert (
        "Deploy a land-based missile defense system such as Aegis Ashore: Superseded "
        "(18 December 2020)"
    ) in titles
    aegis = entries[titles.index(next(t for t in titles if "Superseded (18 December" in t))]
    assert (
        aegis.find(f"{ATOM}link")
        .get("href")
        .startswith("http://testserver/recommendations/deploy-aegis-ashore/#status-")
    )
    assert aegis.findtext(f"{ATOM}published").startswith("2020-12-18")
    # Newest first.
    published = [entry.findtext(f"{ATOM}published") for entry in entries]
    assert published == sorted(published, reverse=True)


def test_the_feed_escapes_what_editors_type(client):
    StatusChangeFactory(
        note='Adopted <b>fast</b> & "well"', source="MOD <script>", date=datetime.date(2020, 1, 1)
    )
    feed = ET.fromstring(client.get("/feeds/status/").content)
    summaries = [entry.findtext(f"{ATOM}summary") for entry in feed.findall(f"{ATOM}entry")]
    assert 'Adopted <b>fast</b> & "well"\n\nSource: MOD <script>' in summaries


def sitemap_locations(client):
    """Every URL the sitemap index leads to, in the order given, following
    each section's pages; and the index's entries."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    index = ET.fromstring(response.content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    entries = [entry.findtext(f"{SITEMAP}loc") for entry in index.findall(f"{SITEMAP}sitemap")]
    locations = []
    for entry in entries:
        page = client.get(entry.removeprefix("http://testserver"))
        assert page.status_code == 200, entry
        urlset = ET.fromstring(page.content)
        assert urlset.tag == f"{SITEMAP}urlset"
        for url in urlset.findall(f"{SITEMAP}url"):
            locations.append(url.findtext(f"{SITEMAP}loc"))
            # Every item says when it last changed (the list pages do not).
            assert "sitemap-pages" in entry or url.findtext(f"{SITEMAP}lastmod")
    return entries, locations


def published_urls():
    urls = set()
    for model in (Recommendation, Document, Policy, Claim):
        urls |= {
            f"http://testserver{item.get_absolute_url()}" for item in model.objects.published()
        }
    return urls


def test_the_sitemap_index_leads_to_every_published_item_and_the_list_pages(client, seeded_site):
    entries, locations = sitemap_locations(client)
    assert entries == [
        f"http://testserver/sitemap-{section}.xml"
        for section in ("pages", "recommendations", "documents", "policies", "claims")
    ]
    lists = {"/", "/recommendations/", "/documents/", "/claims/", "/policies/"}
    assert len(locations) == len(set(locations))
    assert set(locations) == published_urls() | {f"http://testserver{path}" for path in lists}


def test_a_section_past_its_limit_is_split_into_pages_the_index_lists(client, monkeypatch):
    # The protocol allows 50,000 URLs a sitemap: a section with more items
    # than a page holds continues on ?p=2 and on, and nothing is left out.
    monkeypatch.setattr(PublishedSitemap, "limit", 2)
    RecommendationFactory.create_batch(5)
    RecommendationFactory(state=State.DRAFT, slug="draft-recommendation")
    entries, locations = sitemap_locations(client)
    pages = (Recommendation.objects.published().count() + 1) // 2  # the seed's too, if loaded
    assert pages >= 3
    base = "http://testserver/sitemap-recommendations.xml"
    assert [entry for entry in entries if entry.startswith(base)] == [
        base,
        *(f"{base}?p={page}" for page in range(2, pages + 1)),
    ]
    assert len(locations) == len(set(locations))
    assert published_urls() <= set(locations)
    assert not [url for url in locations if "draft-recommendation" in url]
    assert client.get(f"/sitemap-recommendations.xml?p={pages + 1}").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404
