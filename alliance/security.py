"""Small security helpers that the settings name."""

from django.conf import settings


def client_ip(request):
    """The client's address, for django-axes' lockouts.

    Directly exposed, that is ``REMOTE_ADDR``. Behind proxies, ``REMOTE_ADDR``
    is the nearest proxy for everyone; each proxy appends the address it saw
    to ``X-Forwarded-For``, so the entry the outermost of ours added, counted
    from the right, is the one nobody outside could forge (entries to its
    left come from the client and are ignored). How many proxies there are
    is ``API_NUM_PROXIES`` (as for the API's throttles, which count the same
    way); behind our TLS proxy (``DJANGO_BEHIND_TLS_PROXY``) at least one.
    """
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        proxies = max(proxies, 1)
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR")
