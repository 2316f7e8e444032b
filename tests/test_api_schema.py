"""The OpenAPI schema tells the truth: schemathesis generates requests for
every operation from the schema itself (valid and invalid), sends them to the
app in-process, and checks each answer against the schema. No server error,
no undocumented status, header or content type, no body that breaks the
documented shape."""

import warnings
import zlib
from functools import cache
from io import StringIO
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

from editorial.api import views

DATA = Path(__file__).resolve().parent.parent / "data"


# Loaded when the module is collected: generating the schema touches no
# database. (schemathesis' lazy fixture loader does not work with pytest 9.)
# The static files are collected later, for the session; WhiteNoise's warning
# that they are not there yet concerns no request made here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    application = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed data set, loaded once for every operation and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_corpus", str(DATA / "corpus"), "--state", "published", verbosity=0)
        call_command("load_seed", str(DATA / "seed.yaml"), stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Requests go straight to the WSGI app, not through Django's test client,
    so Django would close the database connection after each one (it is in a
    transaction, unlike a server's) and lose the test's data. The test client
    disconnects the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Slug filters and lookups name rows that must exist (an unknown slug is a
# 400 or a 404), and the schema cannot list them: they are data. So a request
# schemathesis generates as valid gets real keys in place of the random ones;
# invalid requests keep what was generated.
SLUG_FILTERS = {
    "topic": views.TopicViewSet,
    "actor": views.ActorViewSet,
    "document": views.DocumentViewSet,
    "policy": views.PolicyViewSet,
    "recommendation": views.RecommendationViewSet,
}
COLLECTIONS = {
    "documents": views.DocumentViewSet,
    "claims": views.ClaimViewSet,
    "policies": views.PolicyViewSet,
    "recommendations": views.RecommendationViewSet,
    "status-changes": views.StatusChangeViewSet,
    "topics": views.TopicViewSet,
    "actors": views.ActorViewSet,
}


@cache
def _keys(viewset, key):
    return list(viewset().base_queryset().values_list(key, flat=True))


def _real(viewset, key, generated):
    keys = _keys(viewset, key)
    return str(keys[zlib.crc32(str(generated).encode()) % len(keys)])  # as sent on the wire


# At call time, not generation time: schemathesis also generates while the
# module is collected, when the database is out of reach. (Hooks at call time
# are global; this module is the only user of schemathesis.)
@schemathesis.hook
def before_call(context, case, kwargs):
    if case.meta is None or case.meta.generation.mode.is_negative:
        return
    if not case.meta.is_negative_at(ParameterLocation.QUERY):
        for name, viewset in SLUG_FILTERS.items():
            if name in case.query:
                case.query[name] = _real(viewset, "slug", case.query[name])
    collection = case.operation.path.strip("/").split("/")[2]
    for key, lookup in (("slug", "slug"), ("id", "pk")):
        if key in case.path_parameters and not case.meta.is_negative_at(ParameterLocation.PATH):
            case.path_parameters[key] = _real(
                COLLECTIONS[collection], lookup, case.path_parameters[key]
            )


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(
    seeded, db, wsgi_keeps_the_test_connection, settings, case
):
    settings.API_ANON_RATE = "100000/min"  # hundreds of requests per operation
    case.call_and_validate()
