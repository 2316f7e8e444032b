"""The sitemap: the list pages and every published item, nothing else."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Claim, Document, Policy, Recommendation


class PublishedSitemap(Sitemap):
    model = None
    fields = ("pk", "slug", "updated_at")

    def items(self):
        # A list, not a queryset: the paginator then counts it without a
        # second query.
        return list(self.model.objects.published().only(*self.fields).order_by("pk"))

    def lastmod(self, item):
        return item.updated_at


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
