from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from editorial.models import Claim, Document, Evidence, Recommendation, StatusChange

pytestmark = pytest.mark.django_db


def generate(*extra):
    call_command(
        "generate_corpus",
        "--documents=5",
        "--claims=60",
        "--recommendations=12",
        *extra,
        stdout=StringIO(),
        stderr=StringIO(),
    )


def test_it_generates_the_requested_counts_with_exact_anchors():
    generate()
    assert Document.objects.count() == 5
    assert Claim.objects.count() == 60
    assert Recommendation.objects.count() == 12
    for claim in Claim.objects.select_related("document"):
        assert claim.document.body[claim.start_offset : claim.end_offset] == claim.quote
        assert len(claim.document.body) > 5_000


def test_every_recommendation_has_evidence_from_its_document_and_a_history():
    generate()
    for rec in Recommendation.objects.prefetch_related("evidence__claim", "documents"):
        assert rec.evidence.exists()
        proposer = rec.documents.get()
        assert all(e.claim.document_id == proposer.pk for e in rec.evidence.all())
        changes = list(StatusChange.objects.filter(recommendation=rec).order_by("position"))
        assert changes[0].status == "proposed"
        assert rec.status == changes[-1].status
        dates = [c.date for c in changes]
        assert dates == sorted(dates)


def test_a_second_run_needs_clear_and_clear_replaces_exactly_the_generated_rows():
    generate()
    with pytest.raises(CommandError, match="--clear"):
        generate()
    generate("--clear", "--seed=7")
    assert Claim.objects.count() == 60
    assert Evidence.objects.filter(recommendation__slug__startswith="gen-").count() == (
        Evidence.objects.count()
    )


def test_it_is_repeatable_with_the_same_seed():
    generate()
    first = list(Claim.objects.order_by("pk").values_list("quote", flat=True))
    generate("--clear")
    assert list(Claim.objects.order_by("pk").values_list("quote", flat=True)) == first
