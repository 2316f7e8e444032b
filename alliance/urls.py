from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from editorial import views
from editorial.sitemaps import SITEMAPS

admin.site.site_header = "Alliance Tracker editorial"
admin.site.site_title = "Alliance Tracker"
admin.site.index_title = "Editorial content"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("editorial.urls")),
]
