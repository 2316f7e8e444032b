"""Backups: `backup` writes a restorable dump, `restore` brings it back.

The round trip runs on whichever database the suite runs on (SQLite by
default, PostgreSQL when DATABASE_URL names one; CI runs both), with real
pg_dump/pg_restore on PostgreSQL. It commits real data, so these tests are
transactional; serialized_rollback puts the migrations' data (the groups)
back afterwards.
"""

import json
import os
import re
import stat
import subprocess
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import CommandError, call_command
from django.db import connection

from editorial.backups import prune
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
from editorial.publishing import State

from .factories import DocumentFactory

CONTENT = [Document, Claim, Policy, Recommendation, Evidence, StatusChange, Topic, Actor]

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _everything():
    """Every row of every editorial model (published or not, all fields and
    links), the published items on their own, and the revision history."""
    return {
        "rows": {
            m.__name__: json.loads(serializers.serialize("json", m.objects.order_by("pk")))
            for m in CONTENT
        },
        "published": {
            m.__name__: list(m.objects.published().order_by("pk").values())
            for m in (Document, Claim, Policy, Recommendation)
        },
        "history": {m.__name__: m.history.count() for m in CONTENT},
        "users": list(get_user_model().objects.values_list("username", "password")),
    }


def _backup(tmp_path):
    output = _call("backup", dir=str(tmp_path))
    path = re.search(r" to (\S+) \(", output).group(1)
    return path, output


def _call(*args, **kwargs):
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


@pytest.fixture
def corpus(db):
    call_command("import_corpus", "data/corpus", state="published", verbosity=0)
    _call("load_seed", "data/seed.yaml")
    draft = Recommendation.objects.first()
    draft.state = State.DRAFT
    draft.summary = "A draft edit, not published."
    draft.save()
    get_user_model().objects.create_user("pat", "pat@example.org", "x-pass-123")


@transactional
def test_backup_then_wipe_then_restore_leaves_every_published_item_identical(tmp_path, corpus):
    before = _everything()
    assert len(before["published"]["Claim"]) > 100  # the seed data set, not an empty shell

    path, output = _backup(tmp_path)
    assert f"Restore it with: make restore FILE={path}" in output

    call_command("flush", interactive=False, verbosity=0)
    assert not Document.objects.exists()

    restored = _call("restore", path, interactive=False)
    assert "Restored the" in restored
    assert _everything() == before

    # The restored database carries on: new rows get fresh ids (sequences came back too).
    new = DocumentFactory()
    assert new.pk > max(row["pk"] for row in before["rows"]["Document"])


@transactional
def test_the_backup_is_timestamped_and_private(tmp_path):
    path, _output = _backup(tmp_path)
    suffix = ".dump" if connection.vendor == "postgresql" else ".sqlite3"
    assert re.fullmatch(rf"alliance-\d{{8}}T\d{{12}}Z{re.escape(suffix)}", os.path.basename(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not list(tmp_path.glob("*.partial"))


@transactional
def test_restore_asks_first_and_a_no_changes_nothing(tmp_path, monkeypatch):
    path, _output = _backup(tmp_path)
    kept = DocumentFactory(title="Made after the backup")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing was restored"):
        _call("restore", path)
    assert Document.objects.filter(pk=kept.pk).exists()


@transactional
def test_restore_refuses_a_file_that_is_not_a_backup_of_this_database(tmp_path):
    DocumentFactory(title="Still here")
    not_a_backup = tmp_path / "notes.dump"
    not_a_backup.write_bytes(b"just some text\n")
    with pytest.raises(CommandError, match=r"is not a \w+ backup"):
        call_command("restore", str(not_a_backup), interactive=False)
    other_engine = tmp_path / "other.bin"
    other_engine.write_bytes(
        b"SQLite format 3\x00" if connection.vendor == "postgresql" else b"PGDMP\x01\x0e"
    )
    with pytest.raises(CommandError, match="backup; this database is"):
        call_command("restore", str(other_engine), interactive=False)
    assert Document.objects.filter(title="Still here").exists()


def test_keep_prunes_all_but_the_newest_backups(tmp_path):
    for stamp in ("20260101T000000000000Z", "20260102T000000000000Z", "20260103T000000000000Z"):
        (tmp_path / f"alliance-{stamp}.dump").write_bytes(b"PGDMP")
    (tmp_path / "unrelated.txt").write_text("mine")
    deleted = prune(tmp_path, keep=2)
    assert [p.name for p in deleted] == ["alliance-20260101T000000000000Z.dump"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "alliance-20260102T000000000000Z.dump",
        "alliance-20260103T000000000000Z.dump",
        "unrelated.txt",
    ]


def test_make_backup_and_make_restore_call_the_commands():
    def dry_run(*args):
        return subprocess.run(
            ["make", "-n", *args], cwd=settings.BASE_DIR, capture_output=True, text=True
        ).stdout

    assert "manage.py backup" in dry_run("backup")
    assert "manage.py restore backups/x.dump" in dry_run("restore", "FILE=backups/x.dump")
