"""FilterSets for the public site's recommendation and claim lists (the
API's, which mean the same, are in ``api/filters.py``).

Filters name things by slug (``?topic=cyber&actor=japan``), combine with AND,
and refuse an unknown value as a form error (the site shows it with status
400), never a server error. The ``document`` choices are published documents
only: a draft's title must not leak through a drop-down. The option lists
come from the fragment cache (``fragments.py``), so a list page does not
read the vocabularies or the documents on every request.
"""

import functools
from html import escape

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.utils.safestring import mark_safe

from . import fragments
from .filterset import FilterSet
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


class SlugChoiceField(forms.ChoiceField):
    """One item named by its slug, offered in a drop-down; cleans to its pk.

    ``options(request)`` gives the ``(pk, slug, label)`` rows the drop-down
    offers, read once per form (from the fragment cache). A slug that is not
    among them is looked up with ``lookup(slug)`` if given (one query, only
    when such a slug is submitted) and then offered too, so the form always
    shows what the list is filtered by; otherwise it is an invalid choice.
    """

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
        # Only a slug can name an item: anything else is not looked up (a NUL
        # would fail the query on PostgreSQL).
        found = self._lookup(value) if self._lookup and slug_re.match(value) else None
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


class SearchFilterSet(FilterSet):
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
        choices=Status.choices, empty_label="Any status", label="Status"
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
        choices=Claim.Kind.choices, empty_label="Any kind", label="Kind"
    )

    class Meta:
        model = Claim
        form = FilterForm
        fields = ["q", "document", "topic", "kind"]


def render_form(filterset, request):
    """The filter form of a list page, as ``includes/filter_form.html`` wrote
    it with Django's widgets, in plain Python: the widgets, bound fields and
    choice iterators cost more than the rest of the page put together.
    Same markup: labels, errors (``aria-invalid``, ``aria-describedby``),
    the submitted values kept, the chosen option ``selected``. Every value
    is escaped here."""
    form = filterset.form
    errors = form.errors if form.is_bound else {}
    parts = [
        '<form class="filters" method="get" action="" aria-labelledby="filters-heading">\n'
        '  <h2 id="filters-heading" class="filters__heading">Filter</h2>\n'
    ]
    if form.is_bound and form.non_field_errors():
        parts.append(f'  <div class="form-error">{form.non_field_errors()}</div>\n')
    parts.append('  <div class="filters__fields">\n')
    for name, field in form.fields.items():
        html_id = f"id_{name}"
        value = form.data.get(name) if form.is_bound else None
        attrs = ""
        problems = errors.get(name)
        described = []
        if field.help_text:
            described.append(f"{html_id}_helptext")
        if problems:
            described.append(f"{html_id}_error")
        if described:
            attrs = f' aria-describedby="{" ".join(described)}"'
        if problems:
            attrs += ' aria-invalid="true"'
        parts.append(
            f'    <div class="field{" field--error" if problems else ""}">'
            f'<label for="{html_id}">{escape(str(field.label))}</label>\n'
        )
        if field.help_text:
            parts.append(
                f'      <div class="helptext" id="{html_id}_helptext">'
                f"{escape(str(field.help_text))}</div>\n"
            )
        if problems:
            items = "".join(f"<li>{escape(str(problem))}</li>" for problem in problems)
            parts.append(f'      <ul class="errorlist" id="{html_id}_error">{items}</ul>\n')
        parts.append(f"      {_control(name, field, value, html_id, attrs)}</div>\n")
    parts.append(
        "  </div>\n"
        '  <div class="filters__actions">\n'
        '    <button type="submit">Apply filters</button>\n'
    )
    if request.GET:
        parts.append(f'    <a href="{escape(request.path)}">Clear all</a>\n')
    parts.append("  </div>\n</form>\n")
    return mark_safe("".join(parts))


def _control(name, field, value, html_id, attrs):
    if isinstance(field, SlugChoiceField):
        choices = [("", field.empty_label)] + [
            (slug, label) for _pk, slug, label in field.options()
        ]
    elif isinstance(field, forms.ChoiceField):
        choices = field.choices
    else:
        kind = escape(getattr(field.widget, "input_type", "text"))
        shown = f' value="{escape(value)}"' if value else ""
        length = f' maxlength="{field.max_length}"' if getattr(field, "max_length", None) else ""
        return f'<input type="{kind}" name="{name}"{shown}{length}{attrs} id="{html_id}">'
    chosen = "" if value is None else str(value)
    options = []
    for option_value, start, end in _options(
        tuple(("" if v is None else str(v), str(label)) for v, label in choices)
    ):
        flag = ""
        if option_value == chosen:
            flag, chosen = " selected", None  # one, as Django's Select
        options.append(f"{start}{flag}{end}")
    return f'<select name="{name}"{attrs} id="{html_id}">\n' + "\n".join(options) + "\n</select>"


@functools.lru_cache(maxsize=64)
def _options(choices):
    """``(value, start, end)`` of each ``<option>`` of ``choices`` (value,
    label), escaped once: a list's drop-downs hold a hundred options or so,
    the same on every request until the vocabulary changes."""
    return tuple(
        (value, f'<option value="{escape(value)}"', f">{escape(label)}</option>")
        for value, label in choices
    )
