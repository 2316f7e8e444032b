"""FilterSets for recommendations and claims, shared by the public site and
the API so that a filter means the same thing on both.

Filters name things by slug (``?topic=cyber&actor=japan``), combine with AND,
and refuse an unknown value as a form error (the site shows it, the API
answers 400), never a server error. The ``document`` choices are published
documents only: a draft's title must not leak through a drop-down.
"""

import django_filters
from django import forms

from .models import Actor, Claim, Document, Recommendation, Status, Topic
from .search import MAX_QUERY_LENGTH, filter_search


def published_documents(request=None):
    return Document.objects.published().only("pk", "slug", "title")


class SearchFilterSet(django_filters.FilterSet):
    """Adds ``q``: full-text search ranked on PostgreSQL (``search.py``)."""

    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def search(self, queryset, name, value):
        return filter_search(queryset, value)


class RecommendationFilter(SearchFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Status.choices, empty_label="Any status", label="Status"
    )
    topic = django_filters.ModelChoiceFilter(
        field_name="topics",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        empty_label="Any topic",
        label="Topic",
    )
    actor = django_filters.ModelChoiceFilter(
        field_name="actors",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        empty_label="Any actor",
        label="Addressed to",
    )
    document = django_filters.ModelChoiceFilter(
        field_name="documents",
        to_field_name="slug",
        queryset=published_documents,
        empty_label="Any document",
        label="Proposed in",
    )

    class Meta:
        model = Recommendation
        fields = ["q", "status", "topic", "actor", "document"]


class ClaimFilter(SearchFilterSet):
    document = django_filters.ModelChoiceFilter(
        to_field_name="slug",
        queryset=published_documents,
        empty_label="Any document",
        label="Document",
    )
    topic = django_filters.ModelChoiceFilter(
        field_name="topics",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        empty_label="Any topic",
        label="Topic",
    )
    kind = django_filters.ChoiceFilter(
        choices=Claim.Kind.choices, empty_label="Any kind", label="Kind"
    )

    class Meta:
        model = Claim
        fields = ["q", "document", "topic", "kind"]
