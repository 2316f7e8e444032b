"""The OpenAPI schema and the interactive docs page."""

import re

import pytest

pytestmark = pytest.mark.django_db

OPERATIONS = {
    f"/api/v1/{name}/{suffix}"
    for name, key in [
        ("documents", "{slug}"),
        ("claims", "{id}"),
        ("policies", "{slug}"),
        ("recommendations", "{slug}"),
        ("status-changes", "{id}"),
        ("topics", "{slug}"),
        ("actors", "{slug}"),
    ]
    for suffix in ("", f"{key}/")
}


@pytest.fixture
def openapi(client):
    response = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_documents_every_endpoint_and_only_reads(openapi):
    assert openapi["openapi"].startswith("3.")
    assert set(openapi["paths"]) == OPERATIONS
    assert {method for path in openapi["paths"].values() for method in path} == {"get"}


def test_every_operation_documents_its_errors_and_validators(openapi):
    for path in openapi["paths"].values():
        responses = path["get"]["responses"]
        assert {"200", "304", "400", "401", "404", "406", "429"} <= set(responses)
        assert set(responses["200"]["headers"]) == {"ETag", "Last-Modified"}
        assert "Retry-After" in responses["429"]["headers"]
        error = responses["400"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}


def test_lists_document_pagination_filters_and_csv(openapi):
    operation = openapi["paths"]["/api/v1/recommendations/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert parameters["status"]["schema"]["items"]["enum"] == [
        "abandoned",
        "adopted",
        "implemented",
        "in_progress",
        "proposed",
        "rejected",
        "superseded",
    ]
    assert set(parameters["format"]["schema"]["enum"]) == {"json", "csv"}
    assert {"q", "topic", "actor", "document", "policy", "updated_since", "ordering"} <= set(
        parameters
    )
    content = operation["responses"]["200"]["content"]
    assert content["text/csv"]["schema"] == {"type": "string"}
    page = openapi["components"]["schemas"]["PaginatedRecommendationList"]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}


def test_dates_at_precision_are_patterned_strings_and_may_be_null_where_unknown(openapi):
    schemas = openapi["components"]["schemas"]
    adopted = schemas["Policy"]["properties"]["adopted_on"]
    assert adopted["type"] == "string" and adopted["nullable"] is True
    pattern = re.compile(adopted["pattern"])
    assert all(pattern.match(d) for d in ("2016", "2022-12", "2017-12-19"))
    assert not pattern.match("December 2022")
    assert "nullable" not in schemas["StatusChange"]["properties"]["date"]


def test_the_docs_page_needs_nothing_but_this_site(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    # Under the site's CSP (script-src 'self' + nonce, style-src 'self') an
    # inline script or style would be refused, and so would another origin.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    for asset in re.findall(r"(?:src|href)=\"([^\"]+)\"", page):
        assert client.get(asset).status_code == 200, asset


def test_the_docs_start_up_script_points_at_our_schema(client):
    response = client.get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert '"/api/schema/"' in response.content.decode()


def test_every_query_parameter_is_described(openapi):
    undescribed = {
        (path, parameter["name"])
        for path, operations in openapi["paths"].items()
        for parameter in operations["get"]["parameters"]
        if parameter["in"] == "query" and not parameter.get("description")
    }
    assert undescribed == set()
    claims = openapi["paths"]["/api/v1/claims/"]["get"]["parameters"]
    described = {parameter["name"]: parameter for parameter in claims}
    assert described["document"]["description"] == "The slug of a published document."
    assert described["document"]["schema"]["type"] == "string"
    assert described["q"]["schema"]["maxLength"] == 200
    assert described["updated_since"]["description"].startswith("Only items changed at or after")
    assert [s["format"] for s in described["updated_since"]["schema"]["anyOf"]] == [
        "date",
        "date-time",
    ]


def test_the_search_parameter_says_how_many_matches_a_broad_search_ranks(openapi):
    from editorial import search
    from editorial.models import Document

    parameters = openapi["paths"]["/api/v1/claims/"]["get"]["parameters"]
    [q] = [p for p in parameters if p["name"] == "q"]
    cap = search.CANDIDATES, search.candidates_for(Document)
    assert f"the newest {cap[0]} matches of a kind only ({cap[1]} documents)" in q["description"]
