"""The API's data endpoints, answered before the site's middleware.

A partner's request needs none of what the public site's middleware does:
the API authenticates by token (no session, no CSRF, no messages, no login
lockout, no history of editors' changes), and its JSON needs no nonce in its
Content-Security-Policy. This middleware, placed right after the page cache,
resolves an API GET or HEAD, and if it is for a data endpoint (a
``PublishedViewSet``), runs the view itself and returns its response with
the headers of the middleware it skips, written once per process:

- ``Content-Security-Policy`` (and its ``-Report-Only`` twin, if one is
  configured): the site's policy, without the nonce a JSON body has no use
  for (``csp.utils.build_policy`` given none);
- ``X-Frame-Options: DENY``, as ``XFrameOptionsMiddleware`` sets it;
- ``Content-Length``, as ``CommonMiddleware`` sets it.

The security middleware before it (HSTS, nosniff, referrer and opener
policies) runs as for any request. Anything else (other methods, which get
their 405 the usual way, the API's root, schema and docs, its JSON 404) goes
on through the rest of the middleware.

A conditional GET is first offered to the viewset for a 304
(``PublishedViewSet.not_modified``, which keeps DRF's checks, throttle
included): a partner polling for changes mostly sends back the ETag it
holds, and such a request then renders nothing.

Django's handler calls a view with the steps below; of the middleware
hooks it would also run, only ``CsrfViewMiddleware.process_view`` concerns
a view, and the API's views are exempt from it. An exception the view does
not turn into a response itself (DRF answers its own, and 404s, as JSON) is
turned into Django's error response here, so that it too carries the
headers.
"""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.core.signals import setting_changed
from django.urls import Resolver404, get_resolver

API_PREFIX = "/api/v1/"


@functools.cache
def api_headers():
    """The headers the skipped middleware would have set, for every API
    data response (computed once per process, again if a test changes the
    settings they come from)."""
    headers = {"X-Frame-Options": getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()}
    for header, report_only in ((HEADER, False), (HEADER_REPORT_ONLY, True)):
        policy = build_policy(report_only=report_only)
        if policy:  # (none is set where none is configured, as django-csp does)
            headers[header] = policy
    return headers


_SOURCES = {"CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY", "X_FRAME_OPTIONS"}


def _settings_changed(*, setting, **kwargs):
    if setting in _SOURCES:
        api_headers.cache_clear()


setting_changed.connect(_settings_changed)


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(API_PREFIX):
            match = self.data_endpoint(request)
            if match is not None:
                return self.serve(request, match)
        return self.get_response(request)

    @staticmethod
    def data_endpoint(request):
        """The resolver match of ``request`` if a ``PublishedViewSet`` serves it."""
        from .views import PublishedViewSet

        try:
            match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
        except Resolver404:
            return None
        view_class = getattr(match.func, "cls", None)
        if view_class is None or not issubclass(view_class, PublishedViewSet):
            return None
        return match

    @staticmethod
    def serve(request, match):
        request.resolver_match = match
        view, args, kwargs = match.func, match.args, match.kwargs
        try:
            response = None
            if (
                "HTTP_IF_NONE_MATCH" in request.META
                # (These may turn a match into a 412: the view decides.)
                and "HTTP_IF_MATCH" not in request.META
                and "HTTP_IF_UNMODIFIED_SINCE" not in request.META
            ):
                response = view.cls.not_modified(view, request, args, kwargs)
            if response is None:
                response = view(request, *args, **kwargs)
                render = getattr(response, "render", None)
                if callable(render):  # DRF's Response is a template response
                    response = render()
        except Exception as exc:  # what Django's handler would answer, with the headers
            response = response_for_exception(request, exc)
        for header, value in api_headers().items():
            response.headers.setdefault(header, value)
        if not response.streaming and "Content-Length" not in response:
            response.headers["Content-Length"] = str(len(response.content))
        return response
