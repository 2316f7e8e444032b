"""Rate limits: anonymous clients per address, partners per token.

Rates come from ``settings.API_ANON_RATE`` and ``settings.API_PARTNER_RATE``
(environment variables of the same names), read on every request rather than
once at import as DRF's own classes do, so that a deployment or a test can
change them. Counters live in the default cache: set ``REDIS_URL`` when
several processes serve the API, or each process counts on its own.

DRF's own throttles keep the time of every request in the window, a list
read from and written back to the cache whole on every request: its cost
grows with the rate (a partner's 1,200 a minute is 1,200 floats to unpickle
and pickle per request). These keep a count per sixtieth of the window
instead, so a check costs the same at any rate. The window they count over is
never shorter than the rate's period (it may reach one slot further back), so
no client gets more than its rate; a refused client is told when enough of
its oldest requests will have left the window.
"""

from django.conf import settings
from rest_framework import throttling

SLOTS = 60


class SlottedRateThrottle(throttling.SimpleRateThrottle):
    cache_format = "throttle_slots_%(scope)s_%(ident)s"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.width = self.duration / SLOTS
        slot = int(self.now // self.width)
        oldest = slot - SLOTS  # with the current slot: at least a whole period
        counts = self.cache.get(self.key)
        if not isinstance(counts, dict):
            counts = {}
        self.counts = {start: n for start, n in counts.items() if start >= oldest}
        if sum(self.counts.values()) >= self.num_requests:
            return self.throttle_failure()
        self.counts[slot] = self.counts.get(slot, 0) + 1
        self.cache.set(self.key, self.counts, self.duration + self.width)
        return True

    def wait(self):
        """Seconds until one more request fits: the oldest slots must leave the window."""
        excess = sum(self.counts.values()) - self.num_requests + 1
        for start in sorted(self.counts):
            excess -= self.counts[start]
            if excess <= 0:
                # Slot ``start`` leaves the window when slot ``start + SLOTS + 1`` begins.
                return min(self.duration, (start + SLOTS + 1) * self.width - self.now)
        return self.duration


class AnonymousRateThrottle(SlottedRateThrottle, throttling.AnonRateThrottle):
    def get_rate(self):
        return settings.API_ANON_RATE


class PartnerRateThrottle(SlottedRateThrottle, throttling.UserRateThrottle):
    """Token holders (partners): a rate of their own, counted per account."""

    scope = "partner"

    def get_rate(self):
        return settings.API_PARTNER_RATE

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous requests are the other throttle's business
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
