from django.urls import path

from . import views
from .feeds import StatusChangeFeed

app_name = "editorial"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("recommendations/", views.RecommendationList.as_view(), name="recommendation-list"),
    path(
        "recommendations/<slug:slug>/",
        views.RecommendationDetail.as_view(),
        name="recommendation-detail",
    ),
    path("claims/", views.ClaimList.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetail.as_view(), name="claim-detail"),
    path("documents/", views.DocumentList.as_view(), name="document-list"),
    path("documents/<slug:slug>/", views.DocumentDetail.as_view(), name="document-detail"),
    path(
        "documents/<slug:slug>/cite/<slug:fmt>/",
        views.document_citation,
        name="document-citation",
    ),
    path("policies/", views.PolicyList.as_view(), name="policy-list"),
    path("policies/<slug:slug>/", views.PolicyDetail.as_view(), name="policy-detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feeds/status/", StatusChangeFeed(), name="status-feed"),
]
