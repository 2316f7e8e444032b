"""The API's endpoints: read-only views of what the public may see.

Each viewset declares its queryset (from ``.published()``, ordered), its
FilterSet, the serializer that describes its items (for the schema and the
CSV header) and the builder that makes them from ``.values()`` rows
(``payloads``: nested relations there show only what is published, so a
nested relation never shows a draft). ``PublishedViewSet`` does the rest the
same way for all of them: strict query parameters, conditional GET on the
content stamp before any query of the content, a cached count, CSV for lists.
"""

from functools import cache

from django.http import Http404
from rest_framework import viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response

from .. import search
from ..models import (
    Actor,
    Claim,
    Document,
    Policy,
    Recommendation,
    StatusChange,
    Topic,
)
from ..publishing import State
from . import filters, payloads, serializers
from .caching import Validator, cached_count
from .renderers import CSVRenderer, JSONRenderer, csv_columns

PAGINATION_PARAMETERS = {"page", "page_size"}
NOT_FILTERS = PAGINATION_PARAMETERS | {"format"}


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
    filterset = None  # the FilterSet a filtered list used (filters.FilterBackend)
    ranks_search = False  # whether list() ranks a search itself (the FilterSet does not)
    serializer_class = None  # describes the list's items
    detail_serializer_class = None  # the detail's, if richer
    builder_class = None  # makes them (see payloads)

    def base_queryset(self):
        """The visible rows, in the list's order: the same for every request
        (``get_queryset`` builds it once per process)."""
        raise NotImplementedError

    # --- DRF hooks --------------------------------------------------------

    def get_queryset(self):
        # A copy of the one built for the class: building it anew (its
        # filters' joins resolved) cost a tenth of an API list's Python.
        # The class's own is never evaluated, so it caches no rows.
        base = type(self).__dict__.get("_base_queryset")
        if base is None:
            base = self.base_queryset()
            type(self)._base_queryset = base
        return base.all()

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
        if "format" not in request.query_params and request.META.get("HTTP_ACCEPT", "*/*") in (
            "*/*",
            JSONRenderer.media_type,
        ):
            # What DRF's negotiation answers to most requests, without parsing.
            return JSONRenderer(), JSONRenderer.media_type
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

    # --- The shortcut for clients whose copy is current -------------------

    @classmethod
    def not_modified(cls, view_function, request, args, kwargs):
        """A 304 for ``request`` if it sends back its URL's current ETag, else
        None. Called by ``middleware.ApiMiddleware`` with the view
        function the URL resolves to, before the rest of the middleware.

        DRF's own steps, in an order that leaves no trace unless the answer
        is a 304: format and parameters first, then the ETag; only then
        authentication, permissions and the throttle (the one step with a
        side effect: the request is counted). Anything that fails or does
        not match hands the request back untouched, for the view to answer."""
        actions = dict(view_function.actions)
        actions.setdefault("head", actions.get("get"))  # as DRF's own view function does
        self = cls(**view_function.initkwargs)
        self.action_map = actions
        for method, action in actions.items():  # as DRF's view function binds them (Allow)
            setattr(self, method, getattr(self, action))
        self.args, self.kwargs = args, kwargs
        self.request = request = self.initialize_request(request, *args, **kwargs)
        self.headers = self.default_response_headers
        self.format_kwarg = self.get_format_suffix(**kwargs)
        if self.action not in ("list", "retrieve"):
            return None
        try:
            request.accepted_renderer, request.accepted_media_type = (
                self.perform_content_negotiation(request)
            )
            self.check_query_parameters(request)
            if self.action == "list":
                self.paginator.validate(request)
            validator = Validator.for_request(request)
            if not validator.matches(request):
                return None
            self.perform_authentication(request)
            self.check_permissions(request)
            self.check_throttles(request)
        except (APIException, Http404):
            return None
        response = validator.early_response(request)
        if response is None or response.status_code != 304:
            return None
        return self.finalize_response(request, response, *args, **kwargs)

    # --- Actions ----------------------------------------------------------
    #
    # Both actions answer a client whose ETag is current before anything
    # else (see ``caching``), and build their items from ``.values()`` rows
    # (see ``payloads``): the serializers describe them, for the schema.

    def filter_parameters(self, request):
        """The query parameters that narrow a list (what its count depends on)."""
        ignored = PAGINATION_PARAMETERS | {"format", "ordering"}
        return [
            (name, values) for name, values in request.query_params.lists() if name not in ignored
        ]

    def list(self, request, *args, **kwargs):
        self.paginator.validate(request)
        validator = Validator.for_request(request)
        response = validator.early_response(request)
        if response is not None:
            return response
        builder = self.builder_class(request)
        # A search without another order, of items a statement composes from
        # ids, is ranked a page at a time (search.RankedMatches): the
        # FilterSet leaves it to this view (filters.FilterBackend).
        self.ranks_search = (
            "q" in request.query_params
            and "ordering" not in request.query_params
            and builder.statement() is not None
        )
        queryset = self.get_queryset()
        filtered = any(name not in NOT_FILTERS for name in request.query_params)
        if filtered:
            # (A FilterSet given nothing changes nothing, but costs a form.)
            queryset = self.filter_queryset(queryset)
        response = validator.conditional_response(request)
        if response is not None:
            return response
        parameters = self.filter_parameters(request)
        searched = getattr(self.filterset, "searched", None) if self.ranks_search else None
        if searched is not None:
            # Searched and not otherwise filtered, the statement that ranks a
            # page is the same for every search: compiled once per process.
            only_q = [name for name, _ in parameters] == ["q"]
            rows = search.RankedMatches(*searched, shape=(type(self), "q") if only_q else None)
            count_rows = rows.count
        else:
            rows = builder.values(queryset)
            count_rows = queryset.order_by().count
        count = cached_count(request, self.basename, count_rows, parameters)
        rows = self.paginator.paginate_queryset(rows, request, self, count=count)
        if request.accepted_renderer.format == "json":
            # Unfiltered, a list's query is the same for every request.
            results = builder.page(rows, shape=None if filtered else (type(self), "list"))
        else:
            results = builder.items(rows)
        response = self.paginator.get_paginated_response(results)
        if request.accepted_renderer.format == "csv":
            name = request.path.rstrip("/").rsplit("/", 1)[-1]
            filename = f"{name}-page-{self.paginator.page.number}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return validator.apply(response)

    def retrieve(self, request, *args, **kwargs):
        validator = Validator.for_request(request)
        response = validator.early_response(request)
        if response is not None:
            return response
        # No filter_queryset(): list filters do not apply to a lookup.
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        queryset = self.get_queryset().filter(**{self.lookup_field: key})
        item = self.builder_class(request).lookup(queryset)
        if item is None:
            label = "id" if self.lookup_field == "pk" else self.lookup_field
            noun = self.model._meta.verbose_name_plural
            raise NotFound(f"No published {noun} have the {label} {key!r}.")
        response = validator.conditional_response(request)
        if response is not None:
            return response
        return validator.apply(Response(item))

    @property
    def model(self):
        return self.serializer_class.Meta.model


class DocumentViewSet(PublishedViewSet):
    """Published documents. The list leaves out the full text (`body`); the detail has it."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.DocumentSerializer
    detail_serializer_class = serializers.DocumentDetailSerializer
    builder_class = payloads.DocumentBuilder
    filterset_class = filters.DocumentFilter

    def base_queryset(self):
        return Document.objects.published().order_by("-published_on", "title", "pk")


class ClaimViewSet(PublishedViewSet):
    """Published claims of published documents: verbatim quotes, anchored in
    their document's `body` by `start_offset` and `end_offset`."""

    serializer_class = serializers.ClaimSerializer
    builder_class = payloads.ClaimBuilder
    filterset_class = filters.ClaimFilter

    def base_queryset(self):
        return Claim.objects.published().order_by(
            "document__published_on", "document_id", "start_offset", "pk"
        )


class PolicyViewSet(PublishedViewSet):
    """Published government policies, with the published claims that discuss them."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.PolicySerializer
    builder_class = payloads.PolicyBuilder
    filterset_class = filters.PolicyFilter

    def base_queryset(self):
        return Policy.objects.published().order_by("-adopted_on", "title", "pk")


class RecommendationViewSet(PublishedViewSet):
    """Published recommendations. The detail nests the status history and the
    evidence (each claim with its quote and document), so one request shows
    the case for a recommendation."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.RecommendationSerializer
    detail_serializer_class = serializers.RecommendationDetailSerializer
    builder_class = payloads.RecommendationBuilder
    filterset_class = filters.RecommendationFilter

    def base_queryset(self):
        return Recommendation.objects.published().order_by("title", "pk")


class StatusChangeViewSet(PublishedViewSet):
    """The status changes of published recommendations, most recent first."""

    serializer_class = serializers.StatusChangeItemSerializer
    builder_class = payloads.StatusChangeBuilder
    filterset_class = filters.StatusChangeFilter

    def base_queryset(self):
        return StatusChange.objects.filter(recommendation__state=State.PUBLISHED).order_by(
            "-date", "-position", "-pk"
        )


class TopicViewSet(PublishedViewSet):
    """The topics recommendations and claims are filed under."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.TopicSerializer
    builder_class = payloads.TopicBuilder
    filterset_class = filters.TopicFilter

    def base_queryset(self):
        return Topic.objects.order_by("name", "pk")


class ActorViewSet(PublishedViewSet):
    """The governments recommendations are addressed to and policies belong to."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.ActorSerializer
    builder_class = payloads.ActorBuilder
    filterset_class = filters.ActorFilter

    def base_queryset(self):
        return Actor.objects.order_by("name", "pk")
