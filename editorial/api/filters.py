"""The API's FilterSets: what a partner may narrow and order a list by.

Every value is validated before the database sees it: an unknown choice or
slug, a malformed date, a search past the length limit is a 400 that names
the parameter, never a server error. Slug filters accept only what the
public can see (a document filter knows only published documents).

``updated_since`` is inclusive (``>=``), so a partner who passes the newest
``updated_at`` they hold gets that item again rather than risk missing a
sibling saved in the same instant. It also matches a save of the rows an
item shows: a recommendation's status changes and evidence, a claim's
document, a status change's recommendation and policy.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.forms.utils import ErrorDict, ErrorList
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from .. import filterset, search
from ..models import (
    Actor,
    Claim,
    Document,
    Evidence,
    Policy,
    Recommendation,
    Status,
    StatusChange,
    Topic,
)


class DateOrDateTimeField(forms.DateTimeField):
    """An ISO 8601 date or date-time; a date means its midnight, UTC."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            # In UTC: PostgreSQL refuses offsets past 15:59 that Python allows,
            # and an aware time near year 1 or 9999 may not exist in UTC at all.
            return result.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("This time is out of range.", code="invalid") from None


def _described(filter_, schema):
    """``filter_`` with ``schema`` as its OpenAPI schema, its help_text as the
    schema's description: drf-spectacular takes a schema given by
    ``extend_schema_field`` as it is, and drops the help_text it shows for
    any other filter (the schema described none of these)."""
    return extend_schema_field({**schema, "description": filter_.extra["help_text"]})(filter_)


class UpdatedSinceFilter(django_filters.Filter):
    field_class = DateOrDateTimeField

    def __init__(self, *, also=(), **kwargs):
        """``also``: callables ``since -> Q`` for nested rows that count as a change."""
        self.also = also
        kwargs.setdefault(
            "help_text",
            "Only items changed at or after this ISO 8601 date or date-time "
            "(a date means midnight UTC; a time without offset is UTC).",
        )
        super().__init__(field_name="updated_at", **kwargs)
        date, date_time = ({"type": "string", "format": f} for f in ("date", "date-time"))
        _described(self, {"anyOf": [date, date_time]})

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        condition = Q(updated_at__gte=value)
        for nested in self.also:
            condition |= nested(value)
        return qs.filter(condition)


class SearchField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        try:
            return search.clean_query(value)
        except search.QueryTooLong as exc:
            raise forms.ValidationError(str(exc), code="max_length") from None


class SearchFilter(django_filters.Filter):
    """Full-text search, exactly as on the site (``editorial.search``)."""

    field_class = SearchField

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            'Full-text search, as on the site: words, "exact phrase", -excluded, or. '
            "Without an `ordering`, the best matches come first (on PostgreSQL). There, a "
            f"broad search ranks the newest {search.CANDIDATES} matches of a kind only "
            f"({search.candidates_for(Document)} documents): a `count` of exactly that many means "
            "at least that many; more words narrow it.",
        )
        super().__init__(**kwargs)
        _described(self, {"type": "string", "maxLength": search.MAX_QUERY_LENGTH})

    def filter(self, qs, value):
        if not value:
            return qs
        # What was searched, and among which rows (after the other filters).
        self.parent.searched = (qs, value)
        if getattr(self.parent, "ranked_by_view", False):
            return qs  # the view ranks a page of the matches itself
        return search.filter_search(qs, value)


class FilterBackend(DjangoFilterBackend):
    """django-filter's, leaving the FilterSet it used on the view
    (``view.filterset``), where the view reads what the search filter saw.
    A view whose ``ranks_search`` is true ranks a search's matches itself
    (``search.RankedMatches``): its FilterSet then leaves the rows unsearched
    (``ranked_by_view``), rather than build a ``filter_search`` query that
    nothing would run."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        if view.filterset is not None:
            view.filterset.ranked_by_view = getattr(view, "ranks_search", False)
        return view.filterset


class FilterSet(filterset.FilterSet):
    """The API's: its form is never shown, only the parameters given are
    fields (``check_query_parameters`` refused any other), and those are
    cleaned as its form would clean them, without making the form."""

    given_fields_only = True

    def is_valid(self):
        return self.is_bound and not self.errors

    @property
    def errors(self):
        if not hasattr(self, "_errors"):
            self._errors, self.cleaned_data = self._clean()
        return self._errors

    def _clean(self):
        """``(errors, cleaned_data)``, what the form's ``full_clean`` gives
        (``Form._clean_fields``: each field cleans what its widget reads from
        the data; the form adds no cleaning of its own). Making the form
        (its fields copied, a bound field apiece, a renderer) was a third of
        the FilterSet's cost for a search alone."""
        if self._meta.form is not forms.Form:  # a form that may clean more: ask it
            return self.form.errors, getattr(self.form, "cleaned_data", {})
        errors, cleaned = ErrorDict(), {}
        if not self.is_bound:
            return errors, cleaned
        for name, filter_ in self.filters.items():
            field = filter_.field
            value = field.widget.value_from_datadict(self.data, {}, self._prefixed(name))
            try:
                cleaned[name] = field.clean(value)
            except forms.ValidationError as error:
                errors[name] = ErrorList(error.error_list)
        return errors, cleaned

    def filter_queryset(self, queryset):
        self.errors  # noqa: B018 (cleans the data, if not yet)
        for name, value in self.cleaned_data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset


class SlugFilter(django_filters.ModelChoiceFilter):
    """One item named by its slug; an unknown (or unpublished) slug is a 400."""

    def __init__(self, *, queryset, noun, **kwargs):
        kwargs.setdefault("help_text", f"The slug of a {noun}.")
        kwargs.setdefault(
            "error_messages", {"invalid_choice": f"There is no {noun} with this slug."}
        )
        super().__init__(queryset=queryset, to_field_name="slug", **kwargs)
        _described(self, {"type": "string"})


class NoEmptyItemsCSVField(django_filters.fields.BaseCSVField):
    def clean(self, value):
        if value and any(item == "" for item in value):
            raise forms.ValidationError("Leave no empty item between commas.", code="invalid")
        return super().clean(value)


class OrderingFilter(django_filters.OrderingFilter):
    """Explicit sort keys; the primary key breaks ties, so pages never overlap."""

    base_field_class = NoEmptyItemsCSVField

    def __init__(self, fields, **kwargs):
        kwargs.setdefault(
            "help_text",
            "Sort by one or more of the listed keys, comma-separated; a leading - reverses.",
        )
        super().__init__(fields=fields, **kwargs)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value not in django_filters.constants.EMPTY_VALUES:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


def _multiple(choices, noun):
    return django_filters.MultipleChoiceFilter(
        choices=choices,
        # A field of the item itself: no join, so no row twice. django-filter's
        # default (DISTINCT, for to-many fields) made PostgreSQL sort every
        # match before it could take a page: 42 ms, not 5, for the claims of
        # one kind on the 100k-claim corpus (EXPLAIN ANALYZE, bench/ database).
        distinct=False,
        help_text=f"One or more {noun}; repeat the parameter for several (any of them matches).",
    )


def _published(model):
    return model.objects.published()


class DocumentFilter(FilterSet):
    kind = _multiple(Document.Kind.choices, "kinds")
    published_after = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="gte",
        help_text="Published on or after this date (a year or month counts from its first day).",
    )
    published_before = django_filters.DateFilter(
        field_name="published_on",
        lookup_expr="lte",
        help_text="Published on or before this date (a year or month counts from its first day).",
    )
    updated_since = UpdatedSinceFilter()
    q = SearchFilter()
    ordering = OrderingFilter(fields=["published_on", "title", "updated_at"])

    class Meta:
        model = Document
        fields = []


class ClaimFilter(FilterSet):
    document = SlugFilter(queryset=_published(Document), noun="published document")
    topic = SlugFilter(field_name="topics", queryset=Topic.objects.all(), noun="topic")
    kind = _multiple(Claim.Kind.choices, "kinds")
    updated_since = UpdatedSinceFilter(
        also=[lambda since: Q(document__updated_at__gte=since)],
    )
    q = SearchFilter()
    ordering = OrderingFilter(fields=["id", "updated_at", "start_offset"])

    class Meta:
        model = Claim
        fields = []


class PolicyFilter(FilterSet):
    instrument = _multiple(Policy.Instrument.choices, "instruments")
    actor = SlugFilter(field_name="actors", queryset=Actor.objects.all(), noun="actor")
    adopted_after = django_filters.DateFilter(
        field_name="adopted_on", lookup_expr="gte", help_text="Adopted on or after this date."
    )
    adopted_before = django_filters.DateFilter(
        field_name="adopted_on", lookup_expr="lte", help_text="Adopted on or before this date."
    )
    updated_since = UpdatedSinceFilter()
    q = SearchFilter()
    ordering = OrderingFilter(fields=["adopted_on", "title", "updated_at"])

    class Meta:
        model = Policy
        fields = []


def _child_changed(model):
    def condition(since):
        return Q(Exists(model.objects.filter(recommendation=OuterRef("pk"), updated_at__gte=since)))

    return condition


class RecommendationFilter(FilterSet):
    status = _multiple(Status.choices, "statuses")
    topic = SlugFilter(field_name="topics", queryset=Topic.objects.all(), noun="topic")
    actor = SlugFilter(field_name="actors", queryset=Actor.objects.all(), noun="actor")
    document = SlugFilter(
        field_name="documents", queryset=_published(Document), noun="published document"
    )
    policy = SlugFilter(field_name="policies", queryset=_published(Policy), noun="published policy")
    updated_since = UpdatedSinceFilter(
        also=[_child_changed(StatusChange), _child_changed(Evidence)]
    )
    q = SearchFilter()
    ordering = OrderingFilter(fields=["title", "updated_at", "created_at"])

    class Meta:
        model = Recommendation
        fields = []


class StatusChangeFilter(FilterSet):
    status = _multiple(Status.choices, "statuses")
    recommendation = SlugFilter(
        queryset=_published(Recommendation), noun="published recommendation"
    )
    policy = SlugFilter(queryset=_published(Policy), noun="published policy")
    date_after = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text="On or after this date."
    )
    date_before = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="On or before this date."
    )
    updated_since = UpdatedSinceFilter(
        also=[
            lambda since: Q(recommendation__updated_at__gte=since),
            lambda since: Q(policy__updated_at__gte=since),
        ]
    )
    ordering = OrderingFilter(fields=["date", "updated_at"])

    class Meta:
        model = StatusChange
        fields = []


class VocabularyFilter(FilterSet):
    updated_since = UpdatedSinceFilter()
    ordering = OrderingFilter(fields=["name", "slug", "updated_at"])


class TopicFilter(VocabularyFilter):
    class Meta:
        model = Topic
        fields = []


class ActorFilter(VocabularyFilter):
    class Meta:
        model = Actor
        fields = []
