"""What drf-spectacular adds to every operation, so the schema tells the truth:

- query parameters may be neither empty nor hold a NUL character;
- the ``format`` parameter (``json``, and ``csv`` on lists), with CSV
  documented as text rather than as the JSON schema;
- the 304 that a conditional request (If-None-Match, If-Modified-Since) can
  produce; those standard request headers are not declared as parameters,
  since any value is acceptable (one that matches nothing gets a 200);
- the ETag / Last-Modified headers of a 200, and Retry-After of a 429;
- the JSON error responses (400, 401, 404, 406, 429) with their one shape.
"""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from .errors import ErrorSerializer

ERRORS = {
    "400": "A query parameter is unknown or has a bad value (see `errors`).",
    "401": "The Authorization header names no valid token.",
    "404": "No such published item, or a page past the last one.",
    "406": "The Accept header asks for a format this endpoint does not offer.",
    "429": "Too many requests: wait the number of seconds in Retry-After.",
}


def _header(name, description, responses, *, type=OpenApiTypes.STR):
    return OpenApiParameter(
        name, type, OpenApiParameter.HEADER, description=description, response=responses
    )


def _strict(schema):
    """The API refuses ``?name=`` and NUL characters in any parameter (see
    ``PublishedViewSet.check_query_parameters``); say so."""
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            _strict(option)
    elif schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        schema.setdefault("minLength", 1)
        schema.setdefault("pattern", "^[^\\u0000]*$")
    elif schema.get("type") == "array":
        schema.setdefault("minItems", 1)


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] == "query":
                _strict(parameter["schema"])
        return operation

    def get_override_parameters(self):
        formats = [renderer.format for renderer in self.view.get_renderers()]
        return [
            *super().get_override_parameters(),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=formats,
                description=(
                    "The response format (default json)."
                    + (" csv: the page's items as a table." if "csv" in formats else "")
                ),
            ),
            _header("ETag", "Validator for If-None-Match.", [200, 304]),
            _header("Last-Modified", "Validator for If-Modified-Since.", [200, 304]),
            _header(
                "Retry-After", "Seconds to wait before retrying.", [429], type=OpenApiTypes.INT
            ),
        ]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for response in responses.values():
            content = response.get("content", {})
            if "text/csv" in content:
                content["text/csv"] = {"schema": {"type": "string"}}
        responses["304"] = {
            **self._get_response_for_code(None, "304", direction=direction),
            "description": "Not modified since the ETag or date the request sent.",
        }
        for code, description in ERRORS.items():
            responses[code] = {
                **self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"], direction=direction
                ),
                "description": description,
            }
        return responses
