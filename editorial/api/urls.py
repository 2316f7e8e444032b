"""``/api/v1/``: one router for every endpoint; anything else under it is a JSON 404."""

from django.urls import re_path
from rest_framework import routers

from . import views
from .errors import not_found

app_name = "api"


class Router(routers.DefaultRouter):
    include_format_suffixes = False  # ?format=csv is the one way to ask for CSV


router = Router()
router.register("documents", views.DocumentViewSet, basename="document")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("recommendations", views.RecommendationViewSet, basename="recommendation")
router.register("status-changes", views.StatusChangeViewSet, basename="status-change")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("actors", views.ActorViewSet, basename="actor")

urlpatterns = [*router.urls, re_path(r"^.*$", not_found)]
