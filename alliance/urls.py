from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from editorial import views
from editorial.sitemaps import SITEMAPS

admin.site.site_header = "Alliance Tracker editorial"
admin.site.site_title = "Alliance Tracker"
admin.site.index_title = "Editorial content"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("api/v1/", include("editorial.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from this URL instead of
    # inline, so the page works under the site's CSP (script-src 'self').
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/docs.html"),
        name="api-docs",
    ),
    path("", include("editorial.urls")),
]
