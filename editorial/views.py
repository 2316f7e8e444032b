"""The public site. Every view starts from ``.published()`` via one mixin."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, TemplateView

from .models import Claim, Document, Policy, Recommendation


@never_cache
def healthz(request):
    """Liveness and database check for load balancers and `docker compose`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class PublishedMixin:
    """Restricts a generic view to what readers may see."""

    def get_queryset(self):
        return self.model.objects.published()


class HomeView(TemplateView):
    template_name = "editorial/home.html"


class RecommendationList(PublishedMixin, ListView):
    model = Recommendation
    paginate_by = 25


class RecommendationDetail(PublishedMixin, DetailView):
    model = Recommendation


class ClaimList(PublishedMixin, ListView):
    model = Claim
    paginate_by = 25


class ClaimDetail(PublishedMixin, DetailView):
    model = Claim


class DocumentList(PublishedMixin, ListView):
    model = Document
    paginate_by = 25


class DocumentDetail(PublishedMixin, DetailView):
    model = Document


class PolicyList(PublishedMixin, ListView):
    model = Policy
    paginate_by = 25


class PolicyDetail(PublishedMixin, DetailView):
    model = Policy
