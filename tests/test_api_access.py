"""Access: anonymous reads are throttled per address, partners' tokens get a
rate of their own, and a throttled client is told when to come back."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def partner(db):
    """Pat works for a partner organisation: an account with a token, no admin access."""
    user = get_user_model().objects.create_user("pat", "pat@partner.example")
    return Token.objects.create(user=user)


def test_anonymous_reads_past_the_rate_get_a_429_with_retry_after(client, settings):
    settings.API_ANON_RATE = "3/min"
    for _ in range(3):
        assert client.get(f"{API}/topics/").status_code == 200
    response = client.get(f"{API}/topics/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Request was throttled.")


def test_the_anonymous_limit_counts_every_endpoint_together(client, settings):
    settings.API_ANON_RATE = "2/min"
    assert client.get(f"{API}/topics/").status_code == 200
    assert client.get(f"{API}/actors/").status_code == 200
    assert client.get(f"{API}/documents/").status_code == 429


def test_each_address_has_its_own_anonymous_allowance(client, settings):
    settings.API_ANON_RATE = "1/min"
    assert client.get(f"{API}/topics/", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get(f"{API}/topics/", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(f"{API}/topics/", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_a_made_up_forwarded_for_header_does_not_reset_the_allowance(client, settings):
    settings.API_ANON_RATE = "1/min"
    assert client.get(f"{API}/topics/").status_code == 200
    response = client.get(f"{API}/topics/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 429


def test_a_partner_token_gets_the_partner_rate_not_the_anonymous_one(client, settings, partner):
    settings.API_ANON_RATE = "1/min"
    settings.API_PARTNER_RATE = "3/min"
    auth = {"Authorization": f"Token {partner.key}"}
    assert client.get(f"{API}/topics/").status_code == 200
    assert client.get(f"{API}/topics/").status_code == 429
    for _ in range(3):
        assert client.get(f"{API}/topics/", headers=auth).status_code == 200
    response = client.get(f"{API}/topics/", headers=auth)
    assert response.status_code == 429
    assert response["Retry-After"]


def test_a_partner_reads_the_same_published_content(client, partner):
    auth = {"Authorization": f"Token {partner.key}"}
    assert (
        client.get(f"{API}/documents/", headers=auth).json()
        == client.get(f"{API}/documents/").json()
    )


def test_a_304_counts_against_the_rate_like_any_request(client, settings):
    settings.API_ANON_RATE = "2/min"
    tag = client.get(f"{API}/topics/")["ETag"]
    assert client.get(f"{API}/topics/", headers={"If-None-Match": tag}).status_code == 304
    assert client.get(f"{API}/topics/", headers={"If-None-Match": tag}).status_code == 429


def test_an_editor_issues_a_partners_token_in_the_admin(alice_client, partner):
    listing = alice_client.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200
    assert b"pat" in listing.content
    user = get_user_model().objects.create_user("quinn")
    response = alice_client.post("/admin/authtoken/tokenproxy/add/", {"user": user.pk})
    assert response.status_code == 302
    assert Token.objects.filter(user=user).exists()


def test_the_window_slides_and_retry_after_says_when_a_request_fits_again(
    client, settings, monkeypatch
):
    from editorial.api import throttling

    settings.API_ANON_RATE = "3/min"
    now = [1_000_000.0]
    monkeypatch.setattr(throttling.SlottedRateThrottle, "timer", lambda self: now[0])
    assert client.get(f"{API}/topics/").status_code == 200
    now[0] += 30
    assert client.get(f"{API}/topics/").status_code == 200
    assert client.get(f"{API}/topics/").status_code == 200
    now[0] += 20
    refused = client.get(f"{API}/topics/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 11  # the first request leaves the window
    now[0] += 11
    assert client.get(f"{API}/topics/").status_code == 200
    assert client.get(f"{API}/topics/").status_code == 429  # the other two are still in it
    now[0] += 60
    assert client.get(f"{API}/topics/").status_code == 200


def test_a_throttles_bookkeeping_does_not_grow_with_the_rate(settings, rf):
    from django.core.cache import cache

    from editorial.api.throttling import AnonymousRateThrottle

    settings.API_ANON_RATE = "100000000/min"
    request = rf.get("/")
    request.user = None
    for _ in range(500):
        throttle = AnonymousRateThrottle()
        assert throttle.allow_request(request, None)
    assert sum(cache.get(throttle.key).values()) == 500
    assert len(cache.get(throttle.key)) <= 61
