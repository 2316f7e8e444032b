from django.http import HttpResponse
from django.urls import path

from alliance.urls import urlpatterns as site_urlpatterns


def floor(request):
    """The cheapest Django response: the same server and middleware, no work."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor", floor), *site_urlpatterns]
