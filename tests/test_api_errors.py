"""Odd input is a 4xx with a JSON message that says what is wrong, never a 500."""

import pytest

from .api_data import world

pytestmark = pytest.mark.django_db

API = "/api/v1"
HUGE = "9" * 22  # past PostgreSQL's bigint


@pytest.fixture(autouse=True)
def w():
    return world()


def error(client, path, params=None, status=400):
    response = client.get(f"{API}/{path}", params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize(
    ("path", "params", "parameter", "message"),
    [
        ("recommendations/", {"status": "bogus"}, "status", "Select a valid choice"),
        ("documents/", {"kind": "scroll"}, "kind", "Select a valid choice"),
        ("recommendations/", {"topic": "no-such-topic"}, "topic", "There is no topic"),
        ("claims/", {"document": "no-such-document"}, "document", "There is no published"),
        ("recommendations/", {"ordering": "secret_field"}, "ordering", "Select a valid choice"),
        ("documents/", {"published_after": "2020-13-45"}, "published_after", "valid date"),
        ("status-changes/", {"date_before": "last tuesday"}, "date_before", "valid date"),
        ("documents/", {"updated_since": "yesterday"}, "updated_since", "valid date/time"),
        ("claims/", {"updated_since": "0001-01-01T00:00:00+05:00"}, "updated_since", "range"),
        ("claims/", {"updated_since": "9999-12-31T23:59:59-05:00"}, "updated_since", "range"),
        ("documents/", {"q": "x" * 201}, "q", "limited to 200 characters"),
        ("documents/", {"page": "0"}, "page", "1 or more"),
        ("documents/", {"page": "-1"}, "page", "1 or more"),
        ("documents/", {"page": "two"}, "page", "1 or more"),
        ("documents/", {"page_size": "101"}, "page_size", "from 1 to 100"),
        ("documents/", {"page_size": HUGE}, "page_size", "from 1 to 100"),
        ("documents/", {"page_size": "0"}, "page_size", "from 1 to 100"),
        ("documents/", {"page_size": "1e3"}, "page_size", "from 1 to 100"),
        ("documents/", {"format": "xml"}, "format", "Must be one of: json, csv"),
        ("documents/hoff-2016/", {"format": "csv"}, "format", "Must be one of: json"),
        ("documents/", {"updated_after": "2020-01-01"}, "updated_after", "Unknown parameter"),
        ("documents/hoff-2016/", {"q": "aegis"}, "q", "Unknown parameter"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, path, params, parameter, message):
    body = error(client, path, params)
    assert list(body["errors"]) == [parameter]
    assert message in body["errors"][parameter][0]
    assert parameter in body["detail"]


@pytest.mark.parametrize("name", ["q", "status", "topic", "updated_since", "page", "ordering"])
def test_a_nul_byte_in_any_parameter_is_a_400(client, name):
    body = error(client, "recommendations/", {name: "a\x00b"})
    assert body["errors"] == {name: ["Must not contain NUL characters."]}


def test_a_nul_byte_in_a_parameter_name_is_a_400(client):
    body = error(client, "recommendations/", {"st\x00atus": "adopted"})
    assert body["errors"] == {"st\\x00atus": ["Must not contain NUL characters."]}


@pytest.mark.parametrize(
    "path",
    [
        f"claims/{HUGE}/",
        f"status-changes/{HUGE}/",
        "claims/-1/",
        "claims/abc/",
        "claims/1.5/",
        "documents/no-such-document/",
        "recommendations/%00/",
        f"topics/{'x' * 500}/",
    ],
)
def test_a_lookup_of_nothing_is_a_404(client, path):
    error(client, path, status=404)


def test_a_page_past_the_end_is_a_404_that_says_where_the_end_is(client):
    body = error(client, "documents/", {"page": "2"}, status=404)
    assert body["detail"] == "Page 2 does not exist: the last page is 1."
    body = error(client, "documents/", {"page": "99999999999999999999"}, status=404)
    assert "the last page is 1" in body["detail"]


def test_a_path_under_the_api_that_names_nothing_is_a_json_404(client):
    body = error(client, "nothing/here/", status=404)
    assert "/api/v1/" in body["detail"]


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/api/v1/claims?page=2", "/api/v1/claims/?page=2"),
        ("/api/v1/recommendations/deploy-aegis", "/api/v1/recommendations/deploy-aegis/"),
    ],
)
def test_a_read_of_an_endpoint_without_its_trailing_slash_is_redirected(client, path, target):
    for method in (client.get, client.head):
        response = method(path)
        assert response.status_code == 301
        assert response["Location"] == target


def test_a_path_that_names_nothing_even_with_a_slash_stays_a_json_404(client):
    for path in ("/api/v1/nothing", "/api/v1/claims/1/nothing"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["detail"].startswith("There is no API endpoint")


def test_an_unacceptable_accept_header_is_a_406_in_json(client):
    response = client.get(f"{API}/documents/", headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert response.json()["detail"]


def test_an_error_asked_for_as_csv_is_still_json(client):
    body = error(client, "documents/", {"format": "csv", "page": "0"})
    assert "page" in body["errors"]


def test_writes_are_refused(client):
    for method in (client.post, client.put, client.patch, client.delete):
        response = method(f"{API}/documents/hoff-2016/", {}, content_type="application/json")
        assert response.status_code == 405
        assert response.json()["detail"]


def test_a_bad_token_is_a_401_not_a_silent_anonymous_read(client):
    response = client.get(f"{API}/documents/", headers={"Authorization": "Token nonsense"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
