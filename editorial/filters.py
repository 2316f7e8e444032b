"""FilterSets for the public site's recommendation and claim lists (the
API's, which mean the same, are in ``api/filters.py``).

Filters name things by slug (``?topic=cyber&actor=japan``), combine with AND,
and refuse an unknown value as a form error (the site shows it with status
400), never a server error. The ``document`` choices are published documents
only: a draft's title must not leak through a drop-down. The option lists
come from the fragment cache (``fragments.py``), so a list page does not
read the vocabularies or the documents on every request.
"""

from html import escape

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from . import fragments
from .models import Claim, Document, Recommendation, Status
from .search import MAX_QUERY_LENGTH, filter_search
from .selectors import actor_options, topic_options

# A large archive offers its most recent documents in the drop-down (all of
# them in a small one); any published document can still be chosen by slug,
# for example from the link on its page.
DOCUMENT_OPTIONS = 50


def document_options(request=None):
    """``(pk, slug, title)`` of the most recent published documents (at most
    ``DOCUMENT_OPTIONS``), cached on the content stamp. Published only: a
    draft's title must not leak through the drop-down."""

    def compute():
        rows = Document.objects.published().order_by("-published_on", "title", "pk")
        return list(rows.values_list("pk", "slug", "title")[:DOCUMENT_OPTIONS])

    return fragments.cached(request, "document-options", compute)


def published_document(slug):
    """``(pk, slug, title)`` of the published document ``slug``, or None."""
    rows = Document.objects.published().filter(slug=slug).values_list("pk", "slug", "title")
    return rows.first()


class QuickSelect(forms.Select):
    """A ``<select>`` rendered in Python. Django renders each option through
    a template (tens of microseconds apiece), which adds up on a filter form
    with a hundred options on every list page. Same markup, same attributes
    (``id``, ``aria-describedby``, ``aria-invalid`` come in ``attrs``)."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            flag = ""
            if option_value in selected:
                flag, selected = " selected", set()  # one, as Django's Select
            value_html, label_html = escape(option_value), escape(str(label))
            options.append(f'<option value="{value_html}"{flag}>{label_html}</option>')
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        options = "\n".join(options)
        return mark_safe(f'<select name="{escape(name)}"{attrs}>\n{options}\n</select>')


class SlugChoiceField(forms.ChoiceField):
    """One item named by its slug, offered in a drop-down; cleans to its pk.

    ``options(request)`` gives the ``(pk, slug, label)`` rows the drop-down
    offers, read once per form (from the fragment cache). A slug that is not
    among them is looked up with ``lookup(slug)`` if given (one query, only
    when such a slug is submitted) and then offered too, so the form always
    shows what the list is filtered by; otherwise it is an invalid choice.
    """

    widget = QuickSelect

    def __init__(self, *, options, lookup=None, empty_label, request=None, **kwargs):
        self._options_of = options
        self._lookup = lookup
        self._request = request
        self.empty_label = empty_label
        super().__init__(choices=self._choices_now, **kwargs)

    def options(self):
        if not hasattr(self, "_options"):
            self._options = list(self._options_of(self._request))
        return self._options

    def _choices_now(self):
        return [("", self.empty_label)] + [(slug, label) for _pk, slug, label in self.options()]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value)
        for pk, slug, _label in self.options():
            if slug == value:
                return pk
        found = self._lookup(value) if self._lookup else None
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        self._options = [*self.options(), found]
        return found[0]

    def validate(self, value):
        forms.Field.validate(self, value)  # to_python checked the choice

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.__dict__.pop("_options", None)  # each form reads its own
        result.choices = result._choices_now  # the copy's own options, widget too
        return result


class SlugChoiceFilter(django_filters.Filter):
    """Filters by the pk that ``SlugChoiceField`` cleans the slug to."""

    field_class = SlugChoiceField

    def __init__(self, *, options, lookup=None, empty_label, **kwargs):
        super().__init__(options=options, lookup=lookup, empty_label=empty_label, **kwargs)

    @property
    def field(self):
        if not hasattr(self, "_field"):
            self.extra["request"] = getattr(self.parent, "request", None)
        return super().field


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

    def filter_queryset(self, queryset):
        # The search ranks a bounded number of candidates drawn from the rows
        # it is given: it runs last, on what the other filters leave.
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset


class RecommendationFilter(SearchFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Status.choices, empty_label="Any status", label="Status", widget=QuickSelect
    )
    topic = SlugChoiceFilter(
        field_name="topics",
        options=topic_options,
        empty_label="Any topic",
        label="Topic",
    )
    actor = SlugChoiceFilter(
        field_name="actors",
        options=actor_options,
        empty_label="Any actor",
        label="Addressed to",
    )
    document = SlugChoiceFilter(
        field_name="documents",
        options=document_options,
        lookup=published_document,
        empty_label="Any document",
        label="Proposed in",
    )

    class Meta:
        model = Recommendation
        form = FilterForm
        fields = ["q", "status", "topic", "actor", "document"]


class ClaimFilter(SearchFilterSet):
    document = SlugChoiceFilter(
        options=document_options,
        lookup=published_document,
        empty_label="Any document",
        label="Document",
    )
    topic = SlugChoiceFilter(
        field_name="topics",
        options=topic_options,
        empty_label="Any topic",
        label="Topic",
    )
    kind = django_filters.ChoiceFilter(
        choices=Claim.Kind.choices, empty_label="Any kind", label="Kind", widget=QuickSelect
    )

    class Meta:
        model = Claim
        form = FilterForm
        fields = ["q", "document", "topic", "kind"]
