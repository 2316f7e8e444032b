from io import StringIO
from pathlib import Path

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


DATA = Path(__file__).resolve().parent.parent / "data"


def load_seed_data():
    """The real corpus and curated data set, as `make run` loads them."""
    call_command(
        "import_corpus",
        str(DATA / "corpus"),
        "--state",
        "published",
        verbosity=0,
        stdout=StringIO(),
    )
    call_command("load_seed", str(DATA / "seed.yaml"), stdout=StringIO())


def delete_content():
    # Children first: documents refuse deletion while they have claims.
    from editorial.models import (
        Actor,
        Claim,
        Document,
        Evidence,
        Policy,
        Recommendation,
        StatusChange,
        Topic,
    )

    for model in (Evidence, StatusChange, Recommendation, Policy, Claim, Document, Topic, Actor):
        model.objects.all().delete()


@pytest.fixture(scope="module")
def seeded_site(django_db_setup, django_db_blocker):
    """The seed content, loaded once for a module's read-only page tests."""
    with django_db_blocker.unblock():
        load_seed_data()
        yield
        delete_content()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache, so that throttle counters (and
    anything else kept there) never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
