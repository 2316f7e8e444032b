"""Rate limits: anonymous clients per address, partners per token.

Rates come from ``settings.API_ANON_RATE`` and ``settings.API_PARTNER_RATE``
(environment variables of the same names), read on every request rather than
once at import as DRF's own classes do, so that a deployment or a test can
change them. Counters live in the default cache: set ``REDIS_URL`` when
several processes serve the API, or each process counts on its own.
"""

from django.conf import settings
from rest_framework import throttling


class AnonymousRateThrottle(throttling.AnonRateThrottle):
    def get_rate(self):
        return settings.API_ANON_RATE


class PartnerRateThrottle(throttling.UserRateThrottle):
    """Token holders (partners): a rate of their own, counted per account."""

    scope = "partner"

    def get_rate(self):
        return settings.API_PARTNER_RATE

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous requests are the other throttle's business
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
