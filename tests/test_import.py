from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from editorial.models import Document

pytestmark = pytest.mark.django_db(transaction=True)

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"

GOOD = """---
title: "A Good Paper"
authors: ["Ada Author", "Bo Writer"]
publisher: "Think Tank"
published: "2019-03"
kind: "report"
---

## Abstract

This paper is good.

## Body

The body of the paper.
"""


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_corpus", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_imported_with_its_metadata(tmp_path):
    path = tmp_path / "good-paper.md"
    path.write_text(GOOD, encoding="utf-8")
    out, _ = run(path)
    assert "created 1" in out
    document = Document.objects.get(slug="good-paper")
    assert document.title == "A Good Paper"
    assert document.author_list == ["Ada Author", "Bo Writer"]
    assert document.published_display == "March 2019"
    assert document.abstract == "This paper is good."
    assert document.body.startswith("## Abstract")
    assert document.state == "draft"


def test_reimport_changes_nothing(tmp_path):
    path = tmp_path / "good-paper.md"
    path.write_text(GOOD, encoding="utf-8")
    run(path)
    before = Document.objects.get(slug="good-paper")
    out, _ = run(path)
    assert "left 1 unchanged" in out
    after = Document.objects.get(slug="good-paper")
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    assert after.history.count() == 1


def test_reimport_of_an_edited_file_updates_by_slug(tmp_path):
    path = tmp_path / "good-paper.md"
    path.write_text(GOOD, encoding="utf-8")
    run(path)
    path.write_text(GOOD.replace("The body of the paper.", "A revised body."), encoding="utf-8")
    out, _ = run(path)
    assert "updated 1" in out
    assert Document.objects.get(slug="good-paper").body.endswith("A revised body.")


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "good-paper.md"
    path.write_text(GOOD, encoding="utf-8")
    out, _ = run(path, "--dry-run")
    assert "would have created 1" in out
    assert not Document.objects.exists()


MALFORMED = {
    "bad-yaml.md": (GOOD.replace('title: "A Good Paper"', 'title: "unclosed'), "not valid YAML"),
    "no-title.md": (GOOD.replace('title: "A Good Paper"\n', ""), "no title"),
    "odd-kind.md": (GOOD.replace('kind: "report"', 'kind: "poem"'), "unknown kind 'poem'"),
    "no-front-matter.md": ("Just text.\n", "no front matter"),
    "bad-date.md": (GOOD.replace('"2019-03"', '"March 2019"'), "bad 'published' date"),
    "unclosed.md": ("---\ntitle: x\n", "not closed"),
    # YAML reads an unquoted date itself; an impossible one is still a bad date.
    "impossible-date.md": (
        GOOD.replace('"2019-03"', "2020-02-30"),
        "bad 'published' date: day is out of range for month",
    ),
    "number-key.md": (GOOD.replace("---\n\n", "2016: x\nyes: 1\n---\n\n"), "key(s): 2016, True"),
    "nul.md": (GOOD.replace("This paper is good.", "This paper\x00 is good."), "NUL character"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_file_is_named_with_its_problem_and_nothing_is_written(tmp_path, name):
    text, problem = MALFORMED[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_corpus", str(path), stdout=StringIO(), stderr=err)
    assert not Document.objects.exists()
    # The message names the file and the problem.
    assert name in err.getvalue() and problem in err.getvalue()


def test_undecodable_bytes_are_reported(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes(GOOD.replace("good.", "caf\xe9.").encode("latin-1"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_corpus", str(path), stdout=StringIO(), stderr=err)
    assert "latin1.md" in err.getvalue() and "not valid UTF-8" in err.getvalue()
    assert not Document.objects.exists()


def test_a_folder_skips_notes_in_capitals_but_not_a_file_named_by_a_year(tmp_path):
    (tmp_path / "2016.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "EDITORIAL_NOTES.md").write_text("Notes, no front matter.", encoding="utf-8")
    run(tmp_path)
    assert list(Document.objects.values_list("slug", flat=True)) == ["2016"]


def test_an_unquoted_date_is_read_as_the_text_it_is(tmp_path):
    path = tmp_path / "good-paper.md"
    path.write_text(GOOD.replace('"2019-03"', "2019-03-05"), encoding="utf-8")
    run(path)
    assert Document.objects.get(slug="good-paper").published_display == "5 March 2019"


def test_good_files_import_even_when_a_neighbour_is_malformed(tmp_path):
    (tmp_path / "good-paper.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.md").write_text("no front matter", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_corpus", str(tmp_path), stdout=StringIO(), stderr=err)
    assert list(Document.objects.values_list("slug", flat=True)) == ["good-paper"]


def test_an_edit_that_breaks_a_claim_in_a_reimport_flags_it(tmp_path):
    from tests.factories import ClaimFactory

    path = tmp_path / "good-paper.md"
    path.write_text(GOOD, encoding="utf-8")
    run(path)
    claim = ClaimFactory(document=Document.objects.get(), quote="The body of the paper.")
    path.write_text(GOOD.replace("The body of the paper.", "A revised body."), encoding="utf-8")
    run(path)
    claim.refresh_from_db()
    assert claim.needs_attention


def test_the_seed_corpus_imports_and_skips_the_editorial_notes():
    out, _ = run(CORPUS, "--state", "published")
    assert "created 3" in out
    assert set(Document.objects.values_list("slug", flat=True)) == {
        "hoff-2016-next-steps",
        "hinata-yamaguchi-2018-new-chapter",
        "rinehart-2015-new-defense-guidelines",
    }
    rinehart = Document.objects.get(slug="rinehart-2015-new-defense-guidelines")
    assert rinehart.published_display == "28 April 2015"
    assert rinehart.series == "CRS Insights"
