from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from alliance.urls import urlpatterns as site_urlpatterns


@never_cache  # a floor served from the page cache would be no floor
def floor(request):
    """The cheapest Django response: the same server and middleware, no work."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor", floor), *site_urlpatterns]
