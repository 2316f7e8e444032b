"""Small security helpers that the settings name."""

from django.conf import settings


def client_ip(request):
    """The client's address, for django-axes' lockouts.

    Directly exposed, that is ``REMOTE_ADDR``. Behind our TLS proxy
    (``DJANGO_BEHIND_TLS_PROXY``), ``REMOTE_ADDR`` is the proxy for everyone;
    the proxy appends the address it saw to ``X-Forwarded-For``, so the
    right-most entry is the one nobody outside could forge (entries to its
    left come from the client and are ignored).
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")
