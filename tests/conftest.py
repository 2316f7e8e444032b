import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Serve static files the production way (hashed names from a manifest),
    so a template that names a missing file fails here, not in production."""
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    call_command("collectstatic", "--noinput", verbosity=0)


@pytest.fixture
def alice(db):
    """Alice is the editor-in-chief: a superuser."""
    return get_user_model().objects.create_superuser("alice", "alice@example.org", "x-pass-123")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache, so that throttle counters (and
    anything else kept there) never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
