"""The sitemap: the list pages and every published item, nothing else.

``/sitemap.xml`` is an index of the sections' sitemaps (``/sitemap-<section>.xml``,
``?p=2`` and on for a section's further pages): the protocol allows 50,000
URLs a file, and the archive has more claims than that. Each page costs the
same two queries (a count and the page) at any size; the index two a section
(its count and its newest change).
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Claim, Document, Policy, Recommendation


class PublishedSitemap(Sitemap):
    model = None
    fields = ("pk", "slug", "updated_at")
    # URLs a page: well under the protocol's 50,000, so that a page renders
    # in a fraction of a second.
    limit = 5000

    def items(self):
        # In the primary key's order, so that an item keeps its page.
        return self.model.objects.published().only(*self.fields).order_by("pk")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # Django's default reads every item to find the newest.
        return self.model.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class RecommendationSitemap(PublishedSitemap):
    model = Recommendation
    priority = 0.8


class DocumentSitemap(PublishedSitemap):
    model = Document
    priority = 0.7


class PolicySitemap(PublishedSitemap):
    model = Policy
    priority = 0.5


class ClaimSitemap(PublishedSitemap):
    model = Claim
    fields = ("pk", "updated_at")
    priority = 0.4


class PageSitemap(Sitemap):
    def items(self):
        return [
            "editorial:home",
            "editorial:recommendation-list",
            "editorial:document-list",
            "editorial:claim-list",
            "editorial:policy-list",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": PageSitemap,
    "recommendations": RecommendationSitemap,
    "documents": DocumentSitemap,
    "policies": PolicySitemap,
    "claims": ClaimSitemap,
}
