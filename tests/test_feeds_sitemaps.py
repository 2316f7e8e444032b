"""The Atom feed and the sitemap are valid XML and list published items only."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from editorial.models import Claim, Document, Policy, Recommendation, StatusChange

from .factories import StatusChangeFactory

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


def test_the_sitemap_lists_every_published_item_and_the_list_pages(client, seeded_site):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    urlset = ET.fromstring(response.content)
    assert urlset.tag == f"{SITEMAP}urlset"
    locations = {url.findtext(f"{SITEMAP}loc") for url in urlset.findall(f"{SITEMAP}url")}
    expected = {"http://testserver/", "http://testserver/recommendations/"}
    for model in (Recommendation, Document, Policy, Claim):
        expected |= {
            f"http://testserver{item.get_absolute_url()}" for item in model.objects.published()
        }
    assert expected <= locations
    assert len(locations) == len(expected) + 3  # the other three list pages
    assert all(url.findtext(f"{SITEMAP}lastmod") for url in urlset.findall(f"{SITEMAP}url")[5:])
