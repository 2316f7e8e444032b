"""The API's endpoints: read-only views of what the public may see.

Each viewset declares its queryset (from ``.published()``), the prefetches
its serializer needs (published-only, so a nested relation never shows a
draft), the *sources* its representation draws on (for the ETag, see
``caching``) and its FilterSet. ``PublishedViewSet`` does the rest the same
way for all of them: strict query parameters, conditional GET before any
serialising, one aggregate for the list's ETag and count, CSV for lists.
"""

from functools import cache

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ..models import (
    Actor,
    Claim,
    Document,
    Evidence,
    Policy,
    Recommendation,
    StatusChange,
    Topic,
)
from . import filters, serializers
from .caching import Validator, detail_annotations
from .renderers import CSVRenderer, JSONRenderer, csv_columns

PAGINATION_PARAMETERS = {"page", "page_size"}


@cache
def _csv_header(serializer_class):
    return csv_columns(serializer_class())


class PublishedViewSet(viewsets.ReadOnlyModelViewSet):
    # Only what an id or a slug can be reaches a view (anything else, a NUL
    # byte included, is the JSON 404 of the catch-all route); ids of any
    # length are fine, Django answers an out-of-range one with no rows.
    lookup_value_regex = "[0-9]+"
    # Reading is all there is: anything else, OPTIONS included, is a 405.
    http_method_names = ["get", "head"]
    serializer_class = None  # the list's representation
    detail_serializer_class = None  # the detail's, if richer
    sources = ()  # models whose rows appear in a representation (see caching)

    def base_queryset(self):
        """The visible rows, shaped for the list (no prefetches)."""
        raise NotImplementedError

    def detail_queryset(self):
        return self.base_queryset()

    def prefetches(self):
        """What the list's serializer needs beyond ``base_queryset``."""
        return []

    def detail_prefetches(self):
        return self.prefetches()

    # --- DRF hooks --------------------------------------------------------

    def get_queryset(self):
        if self.action == "retrieve":
            return self.detail_queryset()
        return self.base_queryset()

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class:
            return self.detail_serializer_class
        return self.serializer_class

    def get_renderers(self):
        # By route, not action: a refused method (405) must not choke on ?format=csv.
        if not self.detail:
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def get_renderer_context(self):
        context = super().get_renderer_context()
        if not self.detail:
            context["header"] = _csv_header(self.get_serializer_class())
        return context

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF's answer to an unknown ?format= is a bare 404; say what is offered.
            formats = ", ".join(renderer.format for renderer in self.get_renderers())
            raise ValidationError({"format": [f"Must be one of: {formats}."]}) from None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action in ("list", "retrieve"):  # other methods get their 405
            self.check_query_parameters(request)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON whatever format the request asked for.
        if getattr(response, "exception", False) and getattr(request, "accepted_renderer", None):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def check_query_parameters(self, request):
        """Refuse what no endpoint understands, before any query runs: a
        misspelt or empty filter would otherwise silently return everything."""
        allowed = {"format"}
        if self.action == "list":
            allowed |= set(self.filterset_class.base_filters) | PAGINATION_PARAMETERS
        problems = {}
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                problems[name.replace("\x00", "\\x00")] = ["Must not contain NUL characters."]
            elif name not in allowed:
                problems[name] = [f"Unknown parameter. Known here: {', '.join(sorted(allowed))}."]
            elif not all(values):
                problems[name] = ["Must not be empty: leave the parameter out instead."]
        if problems:
            raise ValidationError(problems)

    # --- Actions ----------------------------------------------------------

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        self.paginator.validate(request)
        validator = Validator.for_list(request, queryset, self.sources)
        response = validator.conditional_response(request)
        if response is not None:
            return response
        page = self.paginator.paginate_queryset(queryset, request, self, count=validator.count)
        prefetch_related_objects(page, *self.prefetches())
        data = self.get_serializer(page, many=True).data
        response = self.paginator.get_paginated_response(data)
        if request.accepted_renderer.format == "csv":
            name = request.path.rstrip("/").rsplit("/", 1)[-1]
            filename = f"{name}-page-{self.paginator.page.number}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return validator.apply(response)

    def get_object(self):
        # No filter_queryset(): list filters do not apply to a lookup.
        queryset = self.get_queryset().annotate(**detail_annotations(self.model, self.sources))
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            return get_object_or_404(queryset, **{self.lookup_field: key})
        except Http404:
            label = "id" if self.lookup_field == "pk" else self.lookup_field
            noun = self.model._meta.verbose_name_plural
            raise NotFound(f"No published {noun} have the {label} {key!r}.") from None

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        validator = Validator.for_detail(request, instance)
        response = validator.conditional_response(request)
        if response is not None:
            return response
        prefetch_related_objects([instance], *self.detail_prefetches())
        return validator.apply(Response(self.get_serializer(instance).data))

    @property
    def model(self):
        return self.serializer_class.Meta.model


def _published_refs(model):
    """Published rows of ``model``, only what a compact reference shows."""
    return model.objects.published().only("id", "slug", "title")


def _slugs(model):
    return model.objects.only("id", "slug")


class DocumentViewSet(PublishedViewSet):
    """Published documents. The list leaves out the full text (`body`); the detail has it."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.DocumentSerializer
    detail_serializer_class = serializers.DocumentDetailSerializer
    filterset_class = filters.DocumentFilter
    sources = (Document,)

    def base_queryset(self):
        return (
            Document.objects.published()
            .defer("body", "notes")
            .order_by("-published_on", "title", "pk")
        )

    def detail_queryset(self):
        return Document.objects.published().defer("notes")


class ClaimViewSet(PublishedViewSet):
    """Published claims of published documents: verbatim quotes, anchored in
    their document's `body` by `start_offset` and `end_offset`."""

    serializer_class = serializers.ClaimSerializer
    filterset_class = filters.ClaimFilter
    sources = (Claim, Document, Topic)

    def base_queryset(self):
        return (
            Claim.objects.published()
            .select_related("document")
            .only(
                *[f.name for f in Claim._meta.concrete_fields if f.name != "anchor_problem"],
                "document__id",
                "document__slug",
                "document__title",
            )
            .order_by("document__published_on", "document_id", "start_offset", "pk")
        )

    def prefetches(self):
        return [Prefetch("topics", queryset=_slugs(Topic))]


class PolicyViewSet(PublishedViewSet):
    """Published government policies, with the published claims that discuss them."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.PolicySerializer
    filterset_class = filters.PolicyFilter
    sources = (Policy, Actor, Claim, Document)

    def base_queryset(self):
        return Policy.objects.published().order_by("-adopted_on", "title", "pk")

    def prefetches(self):
        return [
            Prefetch("actors", queryset=_slugs(Actor)),
            Prefetch("claims", queryset=Claim.objects.published().only("id").order_by("pk")),
        ]


class RecommendationViewSet(PublishedViewSet):
    """Published recommendations. The detail nests the status history and the
    evidence (each claim with its quote and document), so one request shows
    the case for a recommendation."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.RecommendationSerializer
    detail_serializer_class = serializers.RecommendationDetailSerializer
    filterset_class = filters.RecommendationFilter
    sources = (Recommendation, Document, Policy, Topic, Actor, StatusChange, Evidence, Claim)

    def base_queryset(self):
        return Recommendation.objects.published().order_by("title", "pk")

    def prefetches(self):
        return [
            Prefetch("documents", queryset=_published_refs(Document).order_by("-published_on")),
            Prefetch("policies", queryset=_published_refs(Policy).order_by("title")),
            Prefetch("topics", queryset=_slugs(Topic)),
            Prefetch("actors", queryset=_slugs(Actor)),
        ]

    def detail_prefetches(self):
        status_changes = StatusChange.objects.order_by("date", "position", "pk").prefetch_related(
            Prefetch("policy", queryset=_published_refs(Policy))
        )
        evidence = (
            Evidence.objects.filter(claim__in=Claim.objects.published())
            .select_related("claim__document")
            .only(
                "id",
                "recommendation_id",
                "role",
                "note",
                "position",
                *[f"claim__{name}" for name in ("id", "quote", "summary", "kind")],
                "claim__start_offset",
                "claim__end_offset",
                "claim__document_id",
                *[f"claim__document__{name}" for name in ("id", "slug", "title")],
            )
            .order_by("position", "pk")
        )
        return [
            *self.prefetches(),
            Prefetch("status_changes", queryset=status_changes),
            Prefetch("evidence", queryset=evidence),
        ]


class StatusChangeViewSet(PublishedViewSet):
    """The status changes of published recommendations, most recent first."""

    serializer_class = serializers.StatusChangeItemSerializer
    filterset_class = filters.StatusChangeFilter
    sources = (StatusChange, Recommendation, Policy)

    def base_queryset(self):
        return (
            StatusChange.objects.filter(recommendation__in=Recommendation.objects.published())
            .select_related("recommendation")
            .only(
                *[f.name for f in StatusChange._meta.concrete_fields],
                *[f"recommendation__{name}" for name in ("id", "slug", "title")],
            )
            .order_by("-date", "-position", "-pk")
        )

    def prefetches(self):
        return [Prefetch("policy", queryset=_published_refs(Policy))]


class TopicViewSet(PublishedViewSet):
    """The topics recommendations and claims are filed under."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.TopicSerializer
    filterset_class = filters.TopicFilter
    sources = (Topic,)

    def base_queryset(self):
        return Topic.objects.order_by("name", "pk")


class ActorViewSet(PublishedViewSet):
    """The governments recommendations are addressed to and policies belong to."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.ActorSerializer
    filterset_class = filters.ActorFilter
    sources = (Actor,)

    def base_queryset(self):
        return Actor.objects.order_by("name", "pk")
