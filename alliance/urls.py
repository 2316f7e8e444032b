from django.contrib import admin
from django.urls import include, path

from editorial import views

admin.site.site_header = "Alliance Tracker editorial"
admin.site.site_title = "Alliance Tracker"
admin.site.index_title = "Editorial content"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("editorial.urls")),
]
