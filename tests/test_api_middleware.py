"""The API's data endpoints, answered before the site's middleware
(``editorial.api.middleware.ApiMiddleware``): the same answers as the usual
way, with the same headers, for less work."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

from editorial.api import payloads

from .api_data import world

pytestmark = pytest.mark.django_db

API = "/api/v1"
MIDDLEWARE = "editorial.api.middleware.ApiMiddleware"

# The headers a client reads (the test client adds no Date or Server).
HEADERS = [
    "Content-Type",
    "Content-Length",
    "Content-Disposition",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Vary",
    "Allow",
    "Retry-After",
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
]

PATHS = [
    "documents/",
    "documents/hoff-2016/",
    "claims/?q=missile",
    "claims/?q=missile&page=2&page_size=1",
    "claims/?format=csv",
    "recommendations/?status=adopted&ordering=-updated_at",
    "recommendations/deploy-aegis-ashore/",
    "recommendations/no-such-recommendation/",
    "policies/?page=0",
    "claims/?colour=blue",
    "topics/",
    "actors/japan/",
    "status-changes/",
]


@pytest.fixture(autouse=True)
def w():
    return world()


def the_usual_way(settings):
    """A client whose requests go through the site's middleware: a new one
    (a client's handler builds its middleware chain once, at its first request)."""
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    return Client()


def assert_same(short, usual):
    assert short.status_code == usual.status_code
    assert short.content == usual.content
    for header in HEADERS:
        assert short.get(header) == usual.get(header), header
    # The short way ran none of the site's middleware (no session made).
    assert not hasattr(short.wsgi_request, "session")
    assert hasattr(usual.wsgi_request, "session")


@pytest.mark.parametrize("path", PATHS)
def test_a_data_endpoint_answers_as_it_does_the_usual_way(client, settings, path):
    short = client.get(f"{API}/{path}")
    assert short["Content-Length"] == str(len(short.content))
    assert_same(short, the_usual_way(settings).get(f"{API}/{path}"))


def test_a_head_request_answers_as_it_does_the_usual_way(client, settings):
    short = client.head(f"{API}/claims/")
    assert short.status_code == 200 and short.content == b""
    assert_same(short, the_usual_way(settings).head(f"{API}/claims/"))


def test_a_partner_is_known_by_the_token_the_short_way_too(client, settings):
    user = get_user_model().objects.create_user("partner")
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    settings.API_ANON_RATE = "1/min"  # an anonymous second read would be refused
    for _ in range(3):
        assert client.get(f"{API}/claims/", headers=auth).status_code == 200
    short = client.get(f"{API}/claims/", headers={"Authorization": "Token nonsense"})
    assert short.status_code == 401
    usual = the_usual_way(settings)
    assert_same(short, usual.get(f"{API}/claims/", headers={"Authorization": "Token nonsense"}))


def test_data_responses_carry_the_security_headers_without_a_nonce(client):
    response = client.get(f"{API}/recommendations/")
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "nonce" not in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_what_is_not_a_data_endpoint_goes_the_usual_way(client):
    for response in (
        client.get(f"{API}/"),  # the root
        client.get(f"{API}/nothing/here/"),  # the JSON 404
        client.post(f"{API}/claims/", {}, content_type="application/json"),  # a 405
        client.get("/api/schema/"),
    ):
        assert hasattr(response.wsgi_request, "session"), response.wsgi_request.path
        assert "Content-Security-Policy" in response


def test_an_error_in_a_view_is_a_500_with_the_headers(monkeypatch):
    def broken(self, rows, *, shape=None):
        raise RuntimeError("broken")

    monkeypatch.setattr(payloads.Builder, "page", broken)
    response = Client(raise_request_exception=False).get(f"{API}/claims/")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Length"] == str(len(response.content))


def test_a_changed_policy_is_the_one_sent(client, settings):
    assert "img-src 'self' data:" in client.get(f"{API}/claims/")["Content-Security-Policy"]
    directives = {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["'self'"]}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    policy = client.get(f"{API}/claims/")["Content-Security-Policy"]
    # django-csp does not keep the directives in one order; read them by name.
    directives = dict(part.strip().partition(" ")[::2] for part in policy.split(";"))
    assert directives["img-src"] == "'self'"
    assert "data:" not in policy


def test_a_report_only_policy_is_sent_as_the_usual_way_sends_it(client, settings):
    assert "Content-Security-Policy-Report-Only" not in client.get(f"{API}/claims/")
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"default-src": ["'none'"], "report-uri": "/csp-reports/"}
    }
    short = client.get(f"{API}/claims/")
    assert short["Content-Security-Policy-Report-Only"].startswith("default-src 'none'")
    assert_same(short, the_usual_way(settings).get(f"{API}/claims/"))
