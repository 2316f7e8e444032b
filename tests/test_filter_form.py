"""The lists' filter form is written out in Python (``filters.render_form``):
it must be exactly what Django's own widgets render for the same form,
whatever was submitted."""

import pytest
from django.test import RequestFactory
from lxml import html as lxml_html

from editorial.filters import ClaimFilter, RecommendationFilter, _control, render_form
from editorial.models import Claim, Recommendation

from .factories import ActorFactory, DocumentFactory, TopicFactory

pytestmark = pytest.mark.django_db

SUBMITTED = [
    {},
    {"q": "aegis"},
    {"q": '<b>"missile" & defense</b>'},
    {"status": "adopted", "topic": "space"},
    {"status": "bogus", "topic": "no-such-topic"},
    {"kind": "bogus", "document": "no-such-paper"},
    {"document": "old-paper"},  # published, but not among the offered options
    {"actor": "japan", "q": "x" * 300},
]


def _tags(html):
    """Markup compared element by element: tag, attributes (in any order,
    as HTML has them) and text; the white space between tags aside."""
    root = lxml_html.fragment_fromstring(html.strip())
    return [(e.tag, dict(e.attrib), (e.text or "").strip()) for e in root.iter()]


@pytest.fixture
def vocabulary():
    TopicFactory(slug="space", name="Space & <orbit>")
    ActorFactory(slug="japan", name="Japan")
    DocumentFactory(slug="new-paper", title='A "new" paper', published_on="2020-01-01")
    old = DocumentFactory(slug="old-paper", title="An old paper", published_on="1990-01-01")
    return old


@pytest.mark.parametrize("filterset_class, model", [(RecommendationFilter, Recommendation),
                                                    (ClaimFilter, Claim)])  # fmt: skip
@pytest.mark.parametrize("data", SUBMITTED)
def test_each_control_is_what_djangos_widget_renders(
    vocabulary, settings, monkeypatch, filterset_class, model, data
):
    monkeypatch.setattr("editorial.filters.DOCUMENT_OPTIONS", 1)  # old-paper is not offered
    data = {name: value for name, value in data.items() if name in filterset_class.base_filters}
    request = RequestFactory().get("/", data)
    filterset = filterset_class(request.GET or None, queryset=model.objects.all(), request=request)
    form = filterset.form
    if form.is_bound:
        form.is_valid()
    errors = form.errors if form.is_bound else {}
    for name, field in form.fields.items():
        bound = form[name]
        attrs = ""
        if errors.get(name):
            attrs = f' aria-describedby="id_{name}_error" aria-invalid="true"'
        value = form.data.get(name) if form.is_bound else None
        ours = _control(name, field, value, f"id_{name}", attrs)
        assert _tags(ours) == _tags(str(bound)), (name, data)
    page = render_form(filterset, request)
    # Everything is escaped: names, titles, what the reader typed.
    assert "Space &amp; &lt;orbit&gt;" in page and "<orbit>" not in page
    assert "<b>" not in page
    for name, problems in errors.items():
        assert f'id="id_{name}_error"' in page
        for problem in problems:
            assert str(problem).replace('"', "&quot;") in page or str(problem) in page
    assert ("Clear all" in page) == bool(data)
