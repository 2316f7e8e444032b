import pytest
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from editorial.middleware import PageCacheMiddleware

from .factories import RecommendationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


def test_a_second_visit_is_served_from_the_cache_with_one_query(client, django_assert_num_queries):
    RecommendationFactory(title="Deploy Aegis Ashore")
    first = client.get("/recommendations/")
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(1):  # the content stamp, nothing else
        second = client.get("/recommendations/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Content-Security-Policy" in second


def test_publishing_shows_at_once(client):
    draft = RecommendationFactory(title="Sign a GSOMIA", state="draft")
    assert "Sign a GSOMIA" not in client.get("/recommendations/").content.decode()
    draft.state = "published"
    draft.save()
    page = client.get("/recommendations/")
    assert page["X-Page-Cache"] == "miss"
    assert "Sign a GSOMIA" in page.content.decode()


def test_withdrawing_hides_at_once(client):
    item = RecommendationFactory(title="Create a space agency")
    assert "Create a space agency" in client.get("/recommendations/").content.decode()
    item.state = "withdrawn"
    item.save()
    assert "Create a space agency" not in client.get("/recommendations/").content.decode()


def test_signed_in_editors_see_live_pages(alice_client):
    alice_client.get("/recommendations/")
    assert "X-Page-Cache" not in alice_client.get("/recommendations/")


@pytest.mark.parametrize("path", ["/api/v1/recommendations/", "/healthz", "/admin/login/"])
def test_the_api_health_check_and_admin_are_never_page_cached(client, path):
    client.get(path)
    assert "X-Page-Cache" not in client.get(path)


def test_errors_are_not_cached(client):
    client.get("/recommendations/no-such-thing/")
    assert "X-Page-Cache" not in client.get("/recommendations/no-such-thing/")


@pytest.mark.parametrize("header", ["no-store", "private, max-age=0", None])
def test_a_response_that_asks_not_to_be_stored_is_not(rf, header):
    calls = []

    def view(request):
        calls.append(request)
        response = HttpResponse("fresh")
        if header:
            response["Cache-Control"] = header
        return response

    middleware = PageCacheMiddleware(view)
    for _ in range(2):
        response = middleware(rf.get("/somewhere/"))
    assert len(calls) == (2 if header else 1)
    assert (response.get("X-Page-Cache") == "hit") is (header is None)


def test_never_cache_views_are_never_page_cached(rf):
    middleware = PageCacheMiddleware(never_cache(lambda request: HttpResponse("fresh")))
    middleware(rf.get("/floor/"))
    assert "X-Page-Cache" not in middleware(rf.get("/floor/"))
