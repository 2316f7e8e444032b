"""Conditional GETs of the API answered before the rest of the middleware.

A partner polling for changes mostly sends back the ETag it holds, and the
answer is mostly a 304. Such a request needs no session, CSRF or messages
machinery, no page cache and no rendering: this middleware, placed right
after the page cache, resolves the URL and lets the viewset decide
(``PublishedViewSet.not_modified``, which keeps DRF's checks, throttle
included). Whatever it does not answer goes on its usual way.

A 304 answered here lacks only the headers of the middleware it skips
(Content-Security-Policy, X-Frame-Options), which concern pages, not a body-
less revalidation; the ETag, Last-Modified, Cache-Control and Vary it must
carry are the view's own.
"""

from django.urls import Resolver404, get_resolver

API_PREFIX = "/api/v1/"


class NotModifiedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "HTTP_IF_NONE_MATCH" in request.META
            and request.method in ("GET", "HEAD")
            and request.path.startswith(API_PREFIX)
            # (These may turn a match into a 412: the usual way decides.)
            and "HTTP_IF_MATCH" not in request.META
            and "HTTP_IF_UNMODIFIED_SINCE" not in request.META
        ):
            response = self.not_modified(request)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def not_modified(request):
        from .views import PublishedViewSet

        try:
            match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
        except Resolver404:
            return None
        view_class = getattr(match.func, "cls", None)
        if view_class is None or not issubclass(view_class, PublishedViewSet):
            return None
        return view_class.not_modified(match.func, request, match.args, match.kwargs)
