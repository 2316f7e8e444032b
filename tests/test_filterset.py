"""editorial.filterset: django-filter's FilterSet without the copying, and
nothing shared between instances."""

import django_filters
import pytest
from django.http import QueryDict

from editorial import filters as site_filters
from editorial.api import filters as api_filters
from editorial.filterset import FilterSet

FILTERSETS = [
    site_filters.RecommendationFilter,
    site_filters.ClaimFilter,
    api_filters.DocumentFilter,
    api_filters.ClaimFilter,
    api_filters.PolicyFilter,
    api_filters.RecommendationFilter,
    api_filters.StatusChangeFilter,
    api_filters.TopicFilter,
    api_filters.ActorFilter,
]


@pytest.mark.parametrize(
    "filterset_class", FILTERSETS, ids=lambda c: f"{c.__module__}.{c.__name__}"
)
def test_its_form_has_the_fields_django_filters_form_would(filterset_class):
    assert issubclass(filterset_class, FilterSet)
    # (The API's make fields only for the parameters given: give them all.)
    data = QueryDict("&".join(f"{name}=" for name in filterset_class.base_filters))
    filterset = filterset_class(data if filterset_class.given_fields_only else QueryDict())
    expected = django_filters.FilterSet.get_form_class(filterset)().fields
    fields = filterset.form.fields
    assert list(fields) == list(expected)
    for name, field in fields.items():
        assert type(field) is type(expected[name]), name
        assert field.label == expected[name].label, name
        assert type(field.widget) is type(expected[name].widget), name
        assert field.required is expected[name].required is False


@pytest.mark.django_db
def test_the_apis_filtersets_make_fields_for_the_parameters_given_alone():
    """The API never shows its form: a field for a parameter a request does
    not give would be made, cleaned to nothing and skipped. The site's form
    is shown, with every field."""
    from editorial.models import Claim

    from .factories import ClaimFactory

    quote = "missile defense system, like Aegis Ashore"
    aegis = ClaimFactory(quote=quote, summary="Aegis, a fact.", kind="fact")
    ClaimFactory(quote=quote, summary="Aegis, an assessment.", kind="assessment")
    ClaimFactory(kind="fact")
    given = api_filters.ClaimFilter(QueryDict("q=aegis&kind=fact"), Claim.objects.all())
    assert list(given.form.fields) == ["kind", "q"]
    assert list(given.qs) == [aegis]
    refused = api_filters.ClaimFilter(QueryDict("kind=opinion"), Claim.objects.all())
    assert list(refused.errors) == ["kind"]
    unbound = api_filters.ClaimFilter(None, Claim.objects.all())
    assert list(unbound.form.fields) == list(api_filters.ClaimFilter.base_filters)
    site = site_filters.ClaimFilter(QueryDict("q=aegis"), Claim.objects.all())
    assert list(site.form.fields) == list(site_filters.ClaimFilter.base_filters)


@pytest.mark.django_db
def test_instances_share_no_filter_field_or_widget():
    base = site_filters.RecommendationFilter.base_filters
    first = site_filters.RecommendationFilter(QueryDict("status=implemented"))
    second = site_filters.RecommendationFilter(QueryDict("status=rejected"))
    for name in base:
        a, b = first.filters[name], second.filters[name]
        assert a is not b and a is not base[name], name
        assert a.extra is not b.extra and a.extra is not base[name].extra, name
        assert first.form.fields[name] is not second.form.fields[name], name
        assert first.form.fields[name].widget is not second.form.fields[name].widget, name
        assert a.parent is first and b.parent is second, name
    assert first.is_valid() and second.is_valid()
    assert first.form.cleaned_data["status"] == "implemented"
    assert second.form.cleaned_data["status"] == "rejected"
    # What an instance writes into its filters stays there.
    first.filters["status"].extra["help_text"] = "changed"
    assert "help_text" not in second.filters["status"].extra
    assert "help_text" not in base["status"].extra
    # The class's filters are left as they were: no field cached, no parent.
    for name, filter_ in base.items():
        assert "_field" not in filter_.__dict__, name
        assert getattr(filter_, "parent", None) is None, name


@pytest.mark.django_db
def test_a_method_filter_calls_its_own_instances_method():
    class Recorded(site_filters.RecommendationFilter):
        def search(self, queryset, name, value):
            self.searched = value
            return queryset

    first, second = Recorded(QueryDict("q=aegis")), Recorded(QueryDict("q=gsomia"))
    first.qs, second.qs  # noqa: B018 (runs the filters)
    assert (first.searched, second.searched) == ("aegis", "gsomia")
    assert first.filters["q"].filter.f is first.filters["q"]


@pytest.mark.django_db
def test_an_unbound_filterset_has_an_unbound_form():
    filterset = site_filters.ClaimFilter()
    assert not filterset.is_bound and not filterset.form.is_bound
    assert list(filterset.form.fields) == ["q", "document", "topic", "kind"]


def _errors(errors):
    return {
        name: [(e.message % (e.params or ()), e.code) for e in problems.as_data()]
        for name, problems in errors.items()
    }


API_FILTERSETS = [c for c in FILTERSETS if c.given_fields_only]
# Values that each filter of the API takes or refuses.
VALUES = [
    "implemented",
    "fact",
    "law",
    "kestrel",
    "2024-01-01",
    "2024-01-01T10:00:00+09:00",
    "2024-13-45",
    "0001-01-01T00:00:00+14:00",
    "-updated_at",
    "title,-updated_at",
    "a,,b",
    "missile defense",
    "x" * 201,
    '"exact phrase" -korea or japan',
    " ",
]


@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", API_FILTERSETS, ids=lambda c: c.__name__)
def test_the_apis_filtersets_clean_as_their_form_cleans(filterset_class):
    """They clean the parameters given without making the form: the same
    errors (messages and codes) and the same cleaned values as the form."""
    from .factories import ActorFactory, DocumentFactory, PolicyFactory, TopicFactory

    TopicFactory(slug="kestrel")
    ActorFactory(slug="kestrel")
    DocumentFactory(slug="kestrel")
    PolicyFactory(slug="kestrel")
    queries = [f"{name}={value}" for name in filterset_class.base_filters for value in VALUES]
    queries.append("&".join(f"{name}=kestrel" for name in filterset_class.base_filters))
    queries.append("&".join(f"{name}=2024-01-01" for name in filterset_class.base_filters))
    assert len(queries) > 30
    invalid = valid = 0
    for query in queries:
        data = QueryDict(query)
        filterset = filterset_class(data)
        assert filterset.is_valid() is filterset.form.is_valid(), query
        assert _errors(filterset.errors) == _errors(filterset.form.errors), query
        assert filterset.cleaned_data == filterset.form.cleaned_data, query
        if filterset.is_valid():
            valid += 1
            assert list(filterset.cleaned_data) == list(data), query
            # What it filters is what django-filter's own steps filter.
            assert str(filterset.qs.query) == str(
                django_filters.FilterSet.filter_queryset(filterset, filterset.queryset.all()).query
            ), query
        else:
            invalid += 1
    assert valid and invalid
