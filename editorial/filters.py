"""FilterSets for recommendations and claims, shared by the public site and
the API so that a filter means the same thing on both.

Filters name things by slug (``?topic=cyber&actor=japan``), combine with AND,
and refuse an unknown value as a form error (the site shows it, the API
answers 400), never a server error. The ``document`` choices are published
documents only: a draft's title must not leak through a drop-down.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from .models import Actor, Claim, Document, Recommendation, Status, Topic
from .search import MAX_QUERY_LENGTH, filter_search


def published_documents(request=None):
    return Document.objects.published().only("pk", "slug", "title")


class _FetchedOnceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.options():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.options()) + (self.field.empty_label is not None)


class FetchedOnceModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that fetches its (few) options once per form, so
    validating the submitted value and rendering the drop-down share one
    query instead of two."""

    iterator = _FetchedOnceIterator

    def options(self):
        if not hasattr(self, "_options"):
            self._options = list(self.queryset)
        return self._options

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        for obj in self.options():
            if str(getattr(obj, key)) == str(value):
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.__dict__.pop("_options", None)  # each form fetches its own
        return result


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = FetchedOnceModelChoiceField


class FilterForm(forms.Form):
    """Labels stand above their controls: no colon after them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


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
    topic = ModelChoiceFilter(
        field_name="topics",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        empty_label="Any topic",
        label="Topic",
    )
    actor = ModelChoiceFilter(
        field_name="actors",
        to_field_name="slug",
        queryset=Actor.objects.all(),
        empty_label="Any actor",
        label="Addressed to",
    )
    document = ModelChoiceFilter(
        field_name="documents",
        to_field_name="slug",
        queryset=published_documents,
        empty_label="Any document",
        label="Proposed in",
    )

    class Meta:
        model = Recommendation
        form = FilterForm
        fields = ["q", "status", "topic", "actor", "document"]


class ClaimFilter(SearchFilterSet):
    document = ModelChoiceFilter(
        to_field_name="slug",
        queryset=published_documents,
        empty_label="Any document",
        label="Document",
    )
    topic = ModelChoiceFilter(
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
        form = FilterForm
        fields = ["q", "document", "topic", "kind"]
