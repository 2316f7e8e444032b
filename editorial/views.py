"""The public site. Every view starts from ``.published()`` via one mixin,
and shapes its queryset (``selectors.py``) to what its template shows, so a
page costs the same few queries however much content there is."""

import hashlib

from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Window
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from . import citations, fragments, linked_data, passages, selectors
from .filters import ClaimFilter, RecommendationFilter, render_form
from .models import Claim, Document, Evidence, Policy, Recommendation, Status
from .search import (
    QueryTooLong,
    add_snippets,
    clean_query,
    filter_search,
    is_capped,
    is_postgres,
    overview,
)


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
    """Restricts a view to what readers may see: the one gate, ``.published()``.

    ``published(Model)`` is for views that show more than their own model
    (home, search, related rows); ``get_queryset()`` for the generic views.
    """

    def published(self, model):
        return model.objects.published()

    def get_queryset(self):
        return self.published(self.model)


class FilteredListMixin:
    """A list narrowed by a FilterSet. An invalid filter (an unknown status or
    topic, a search longer than allowed) shows the form's errors on an empty
    list with status 400, rather than being silently ignored."""

    filterset_class = None

    def get_queryset(self):
        # Put before PublishedMixin: the FilterSet narrows the published rows.
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=super().get_queryset(), request=self.request
        )
        if self.filter_errors:
            return self.filterset.queryset.none()
        return self.filterset.qs

    @property
    def filter_errors(self):
        return self.filterset.is_bound and not self.filterset.is_valid()

    def get_context_data(self, **kwargs):
        filtered = self.filterset.is_bound and any(
            self.filterset.form.cleaned_data.get(name) for name in self.filterset.form.fields
        )
        context = super().get_context_data(
            filter=self.filterset,
            filter_form=render_form(self.filterset, self.request),
            filtered=filtered,
            **kwargs,
        )
        searched = filtered and not self.filter_errors and self.filterset.form.cleaned_data.get("q")
        # A search ranks a bounded number of matches: a count at the cap is a floor.
        paginator = context.get("paginator")
        context["capped"] = bool(searched and paginator) and is_capped(self.model, paginator.count)
        return context

    @cached_property
    def filter_values(self):
        """The filters' cleaned values, as sorted ``(name, text)`` pairs
        (those given; None if they are invalid): what the list's rows
        depend on (its page query and its count are kept under them)."""
        if self.filter_errors:
            return None
        data = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        return tuple(sorted((name, str(value)) for name, value in data.items() if value))

    def page_shape(self):
        """What the page's query depends on, limits aside, where it is the
        same for every request that has it: the view and its filters'
        values; None for a search (ranked per query) or invalid filters."""
        filters = self.filter_values
        if filters is None or "q" in dict(filters):
            return None
        return (type(self), filters)

    def get_paginator(self, queryset, *args, **kwargs):
        # The count is the costly part of a page of a long list, and it is
        # the same for every reader until the content changes: it is cached
        # on the content stamp, per combination of filters.
        paginator = super().get_paginator(queryset, *args, **kwargs)
        filters = self.filter_values
        if filters is not None:
            digest = hashlib.blake2b(repr(list(filters)).encode(), digest_size=12).hexdigest()
            name = f"count:{self.model._meta.label_lower}:{digest}"
            paginator.count = fragments.cached(self.request, name, queryset.count)
        return paginator

    def render_to_response(self, context, **response_kwargs):
        if self.filter_errors:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)


class HomeView(PublishedMixin, TemplateView):
    template_name = "editorial/home.html"
    recent_changes = 8
    recent_documents = 5

    def get_context_data(self, **kwargs):
        recommendations = self.published(Recommendation)
        counts = selectors.status_counts(recommendations, self.request)
        # What changed last is the same for every reader until the next
        # editorial write: read it once per stamp.
        recent = fragments.cached(self.request, "home-recent", lambda: self.recent(recommendations))
        return super().get_context_data(
            status_counts=[
                {"status": value, "label": label, "count": counts.get(value, 0)}
                for value, label in Status.choices
            ],
            total=sum(counts.values()),
            **recent,
            **kwargs,
        )

    def recent(self, recommendations):
        return {
            "recent_changes": list(
                selectors.recent_status_changes(
                    recommendations, limit=self.recent_changes, brief=True
                )
            ),
            "recent_documents": list(
                self.published(Document)
                .only(*selectors.DOCUMENT_BRIEF_FIELDS)
                .order_by("-published_on", "title")[: self.recent_documents]
            ),
        }


class RecommendationList(FilteredListMixin, PublishedMixin, ListView):
    model = Recommendation
    paginate_by = 25
    filterset_class = RecommendationFilter

    def get_queryset(self):
        return selectors.recommendation_list(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The page's rows, read once, with their topics and actors.
        rows = selectors.cards(context["object_list"], shape=self.page_shape())
        context["object_list"] = context["recommendation_list"] = rows
        # (Not "if page_obj": a page's truth is its length, which would
        # read its rows a second time.)
        if context.get("page_obj") is not None:
            context["page_obj"].object_list = rows
        return context


class RecommendationDetail(PublishedMixin, DetailView):
    model = Recommendation

    def get_object(self, queryset=None):
        self.page = selectors.recommendation_page(self.get_queryset(), self.kwargs["slug"])
        if self.page is None:
            raise Http404("No published recommendation has this address.")
        return self.page.recommendation

    def get_context_data(self, **kwargs):
        page = self.page
        groups = [
            {
                "role": role,
                "label": label,
                "items": [item for item in page.evidence if item.role == role],
            }
            for role, label in Evidence.Role.choices
        ]
        changes = page.status_changes
        return super().get_context_data(
            documents=page.documents,
            policies=page.policies,
            evidence_groups=[group for group in groups if group["items"]],
            evidence_count=len(page.evidence),
            status_changes=changes,
            latest_change=changes[-1] if changes else None,
            **kwargs,
        )


class ClaimList(FilteredListMixin, PublishedMixin, ListView):
    model = Claim
    paginate_by = 25
    filterset_class = ClaimFilter

    def get_queryset(self):
        return selectors.claim_list(super().get_queryset())


class ClaimDetail(PublishedMixin, DetailView):
    model = Claim

    def get_queryset(self):
        return selectors.claim_detail(super().get_queryset(), self.published(Recommendation))

    def get_context_data(self, **kwargs):
        claim = self.object
        context = None
        if not claim.anchor_problem:
            context = passages.quote_in_context(
                claim.document.body, claim.start_offset, claim.end_offset
            ).paragraphs(claim.pk)
        url = self.request.build_absolute_uri(claim.get_absolute_url())
        document_url = self.request.build_absolute_uri(claim.document.get_absolute_url())
        return super().get_context_data(
            context=context,
            json_ld=linked_data.claim(claim, url=url, document_url=document_url),
            **kwargs,
        )


class DocumentList(PublishedMixin, ListView):
    model = Document
    paginate_by = 25

    def get_queryset(self):
        return selectors.document_list(super().get_queryset())

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = rows = selectors.with_counts(rows)
        return paginator, page, rows, is_paginated


class DocumentDetail(PublishedMixin, DetailView):
    model = Document

    def get_context_data(self, **kwargs):
        document = self.object
        url = self.request.build_absolute_uri(document.get_absolute_url())
        claims, recommendations = selectors.document_page(
            self.published(Claim), self.published(Recommendation), document
        )
        return super().get_context_data(
            paragraphs=passages.highlighted_paragraphs(document.body, claims),
            claims=claims,
            recommendations=recommendations,
            citation_tags=citations.highwire_tags(document, absolute_url=url),
            citation_formats=[
                {
                    "url": reverse(
                        "editorial:document-citation", kwargs={"slug": document.slug, "fmt": fmt}
                    ),
                    "label": label,
                    "extension": extension,
                }
                for fmt, (_type, extension, label) in citations.FORMATS.items()
            ],
            json_ld=linked_data.document(document, url=url),
            absolute_url=url,
            **kwargs,
        )


@require_safe
def document_citation(request, slug, fmt):
    """A citation file (BibTeX, RIS or CSL-JSON) for a published document."""
    if fmt not in citations.FORMATS:
        raise Http404("No such citation format.")
    document = get_object_or_404(PublishedMixin().published(Document), slug=slug)
    content_type, extension, _label = citations.FORMATS[fmt]
    response = HttpResponse(citations.RENDERERS[fmt](document), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.slug}.{extension}"'
    return response


class PolicyList(PublishedMixin, ListView):
    model = Policy
    paginate_by = 25

    def get_queryset(self):
        return selectors.policy_list(super().get_queryset())


class PolicyDetail(PublishedMixin, DetailView):
    model = Policy

    def get_queryset(self):
        return selectors.policy_detail(
            super().get_queryset(), self.published(Claim), self.published(Recommendation)
        )

    def get_context_data(self, **kwargs):
        policy = self.object
        url = self.request.build_absolute_uri(policy.get_absolute_url())
        return super().get_context_data(
            json_ld=linked_data.policy(policy, url=url, actors=policy.actors.all()),
            **kwargs,
        )


class SearchView(PublishedMixin, TemplateView):
    """Ranked results across the four kinds. Without ``kind``: the best few
    of each, with a count; with ``kind``: that kind alone, paginated."""

    template_name = "editorial/search.html"
    # Three of each kind, then a link to all of that kind: the bench's search
    # for "missile defense" is 2,831 pixels tall at 1,280 wide, against 4,014
    # with five, so the four kinds come sooner. With five the page made 0.078
    # to 0.086 of the floor's requests a second, with three 0.086 to 0.100, in
    # alternated runs (search.CANDIDATES does the rest).
    per_kind = 3
    paginate_by = 20
    KINDS = {
        "recommendations": (Recommendation, "Recommendations"),
        "documents": (Document, "Documents"),
        "claims": (Claim, "Claims"),
        "policies": (Policy, "Policies"),
    }

    def _queryset(self, model, q):
        queryset = filter_search(self.published(model), q)
        if model is Claim:
            queryset = queryset.select_related("document").defer(
                *(f"document__{name}" for name in selectors.DOCUMENT_LIST_FIELDS)
            )
        elif model is Document and is_postgres():
            # Snippets come from the database there; elsewhere they are cut
            # from the body in Python, so documents keep it.
            queryset = queryset.defer(*selectors.DOCUMENT_LIST_FIELDS)
        return queryset

    def get(self, request, *args, **kwargs):
        try:
            q = clean_query(request.GET.get("q", ""))
        except QueryTooLong as exc:
            context = self.get_context_data(q="", error=str(exc), **kwargs)
            return self.render_to_response(context, status=400)
        kind = request.GET.get("kind", "")
        if kind and kind not in self.KINDS:
            context = self.get_context_data(
                q=q, error="Choose recommendations, documents, claims or policies.", **kwargs
            )
            return self.render_to_response(context, status=400)
        if not q:
            return self.render_to_response(self.get_context_data(q="", **kwargs))
        if kind:
            return self.render_to_response(self._one_kind(q, kind, **kwargs))
        return self.render_to_response(self._all_kinds(q, **kwargs))

    def _all_kinds(self, q, **kwargs):
        if is_postgres():
            found = overview(q, per_kind=self.per_kind)
            sections = [
                {
                    "key": key,
                    "label": label,
                    "results": found[key][1],
                    "total": found[key][0],
                    "capped": is_capped(model, found[key][0]),
                }
                for key, (model, label) in self.KINDS.items()
            ]
            return self._overview_context(q, sections, **kwargs)
        sections = []
        for key, (model, label) in self.KINDS.items():
            # The total rides along on each row (a window over the whole
            # match), so a section costs one query, plus one for snippets.
            rows = list(
                self._queryset(model, q).annotate(total=Window(Count("pk")))[: self.per_kind]
            )
            add_snippets(rows, q)
            total = rows[0].total if rows else 0
            sections.append(
                {
                    "key": key,
                    "label": label,
                    "results": rows,
                    "total": total,
                    "capped": is_capped(model, total),
                }
            )
        return self._overview_context(q, sections, **kwargs)

    def _overview_context(self, q, sections, **kwargs):
        return self.get_context_data(
            q=q,
            sections=sections,
            total=sum(s["total"] for s in sections),
            capped=any(s["capped"] for s in sections),
            **kwargs,
        )

    def _one_kind(self, q, kind, **kwargs):
        model, label = self.KINDS[kind]
        paginator = Paginator(self._queryset(model, q), self.paginate_by)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage as exc:  # not a number, or past the end
            raise Http404(str(exc)) from None
        results = add_snippets(page.object_list, q)
        capped = is_capped(model, paginator.count)
        section = {
            "key": kind,
            "label": label,
            "results": results,
            "total": paginator.count,
            "capped": capped,
        }
        return self.get_context_data(
            q=q,
            kind=kind,
            sections=[section],
            total=paginator.count,
            capped=capped,
            page_obj=page,
            paginator=paginator,
            is_paginated=paginator.num_pages > 1,
            **kwargs,
        )


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /api/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
