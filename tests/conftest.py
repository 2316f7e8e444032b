"""Fixtures everyone needs, and the personas of the permission tests:

- Alice is the editor-in-chief: a superuser.
- Bob and Erin are editors (the Editor group): they write and submit for review.
- Pat is a publisher (the Publisher group): she also publishes and withdraws.
- Charlie is a stranger: an account with no staff access.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import Client
from django.utils.functional import empty

from editorial.roles import EDITOR, PUBLISHER, sync_roles

PASSWORD = "x-pass-123"


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Serve static files the production way (hashed names from a manifest),
    so a template that names a missing file fails here, not in production."""
    # Something may have opened the static storage already (the schema test
    # builds a WSGI app at collection time): drop it, so that collectstatic
    # and every page after it use this STATIC_ROOT and its manifest.
    storages._storages.pop(STATICFILES_STORAGE_ALIAS, None)
    staticfiles_storage._wrapped = empty
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    call_command("collectstatic", "--noinput", verbosity=0)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Personas are created with passwords in most tests; the production
    # hasher's deliberate slowness would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(db):
    """Alice is the editor-in-chief: a superuser."""
    return get_user_model().objects.create_superuser("alice", "alice@example.org", PASSWORD)


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


@pytest.fixture
def roles(db):
    # The groups come from a data migration; a transactional test's flush
    # removes them, so make sure they are there (idempotent).
    return sync_roles()


def _member(username, group, *, first_name):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.org", PASSWORD, first_name=first_name, is_staff=True
    )
    user.groups.add(group)
    return user


@pytest.fixture
def bob(roles):
    """Bob is an editor."""
    return _member("bob", roles[EDITOR], first_name="Bob")


@pytest.fixture
def erin(roles):
    """Erin is an editor too."""
    return _member("erin", roles[EDITOR], first_name="Erin")


@pytest.fixture
def pat(roles):
    """Pat is a publisher."""
    return _member("pat", roles[PUBLISHER], first_name="Pat")


@pytest.fixture
def charlie(db):
    """Charlie is a stranger: an account without staff access."""
    return get_user_model().objects.create_user("charlie", "charlie@example.org", PASSWORD)


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def bob_client(bob):
    return _client_for(bob)


@pytest.fixture
def erin_client(erin):
    return _client_for(erin)


@pytest.fixture
def pat_client(pat):
    return _client_for(pat)


@pytest.fixture
def spy(monkeypatch):
    """``spy(module, name)``: replaces ``module.name`` by a wrapper that
    records each call's positional arguments, and returns their list."""

    def install(module, name):
        calls, real = [], getattr(module, name)

        def recorded(*args, **kwargs):
            calls.append(args)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, recorded)
        return calls

    return install
