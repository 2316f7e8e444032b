"""One JSON shape for every API error.

``{"detail": "<one sentence>"}``, plus ``"errors": {"<parameter>": ["..."]}``
when the request had bad parameters. DRF's handler does the mapping from
exceptions to status codes (and sets ``Retry-After`` on a 429); this module
only makes the body uniform, and gives URLs under ``/api/v1/`` that match no
endpoint the same JSON 404 as a missing item.
"""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx response (documentation only)."""

    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For a 400: each bad parameter with what is wrong with it.",
    )


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a 500, logged by Django
    if isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"request": response.data}
        names = ", ".join(sorted(errors))
        response.data = {"detail": f"Invalid query parameters: {names}.", "errors": errors}
    elif not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": str(response.data)}
    return response


def not_found(request, *args, **kwargs):
    """A path under the API that names no endpoint; or, for a read, one that
    would with a slash at its end, its permanent redirect there (what Django's
    APPEND_SLASH does elsewhere; this catch-all route leaves it no 404 to act
    on)."""
    if request.method in ("GET", "HEAD") and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse(
        {"detail": f"There is no API endpoint at {request.path}. The index is at /api/v1/."},
        status=404,
    )
