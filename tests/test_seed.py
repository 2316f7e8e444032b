"""The curated seed data set: every quote verified, every outcome recorded."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from editorial import quotes
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

DATA = Path(__file__).resolve().parent.parent / "data"

HOFF = "hoff-2016-next-steps"
HINATA = "hinata-yamaguchi-2018-new-chapter"
RINEHART = "rinehart-2015-new-defense-guidelines"

REQUIRED = {
    # Hoff (2016)
    "deploy-aegis-ashore",
    "sign-japan-rok-gsomia",
    "create-mod-space-agency",
    "share-space-situational-awareness",
    "deepen-cyber-cooperation",
    "operationalize-alliance-coordination-mechanism",
    "coordinate-china-strategy",
    "bolster-southeast-asian-partners",
    "create-japanese-dtsa",
    "invest-in-asw-and-bmd",
    "pursue-us-japan-australia-trilateral",
    "plan-for-korean-peninsula-crisis",
    # Hinata-Yamaguchi (2018)
    "formulate-alliance-defense-strategy",
    "improve-interoperability-and-liaison",
    "hold-regular-tactical-exercises",
    "strengthen-jsdf-joint-capabilities",
    "network-with-regional-partners",
    "build-democratic-defense-consensus",
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("import_corpus", str(DATA / "corpus"), "--state", "published", verbosity=0)
        call_command("load_seed", str(DATA / "seed.yaml"), stdout=StringIO())
        yield
        for model in (
            Evidence,
            StatusChange,
            Recommendation,
            Policy,
            Claim,
            Document,
            Topic,
            Actor,
        ):
            model.objects.all().delete()


pytestmark = pytest.mark.django_db


def history(slug):
    changes = StatusChange.objects.filter(recommendation__slug=slug).order_by("date", "position")
    return [
        (c.status, c.date.isoformat()[: {"year": 4, "month": 7, "day": 10}[c.date_precision]])
        for c in changes
    ]


def test_every_seed_quote_is_found_at_its_anchor(seeded):
    claims = Claim.objects.select_related("document")
    assert claims.count() >= 40
    for claim in claims:
        passage = claim.document.body[claim.start_offset : claim.end_offset]
        assert quotes.normalise(passage) == quotes.normalise(claim.quote), claim.pk
        assert not claim.anchor_problem


def test_claims_are_spread_over_all_three_documents(seeded):
    for slug in (HOFF, HINATA, RINEHART):
        assert Claim.objects.filter(document__slug=slug).count() >= 8, slug


def test_counts_meet_the_minimums_and_everything_is_published(seeded):
    assert Policy.objects.count() >= 8
    assert Recommendation.objects.count() >= 15
    for model in (Document, Claim, Policy, Recommendation):
        assert not model.objects.exclude(state=State.PUBLISHED).exists(), model
    assert Claim.objects.published().count() == Claim.objects.count()


def test_every_listed_recommendation_is_present(seeded):
    assert set(Recommendation.objects.values_list("slug", flat=True)) >= REQUIRED


def test_every_recommendation_has_support_a_proposer_and_a_sourced_history(seeded):
    for recommendation in Recommendation.objects.prefetch_related(
        "evidence__claim", "status_changes", "documents"
    ):
        assert recommendation.documents.exists(), recommendation.slug
        supporting = [e for e in recommendation.evidence.all() if e.role == "supports"]
        assert supporting, recommendation.slug
        changes = list(recommendation.status_changes.all())
        assert changes and changes[0].status == "proposed", recommendation.slug
        assert all(c.source for c in changes), recommendation.slug


def test_real_world_outcomes_are_recorded(seeded):
    assert history("deploy-aegis-ashore") == [
        ("proposed", "2016"),
        ("adopted", "2017-12-19"),
        ("abandoned", "2020-06-15"),
        ("abandoned", "2020-06-24"),
        ("superseded", "2020-12-18"),
    ]
    assert ("implemented", "2016-11-23") in history("sign-japan-rok-gsomia")
    assert Recommendation.objects.get(slug="sign-japan-rok-gsomia").status == "implemented"
    assert history("create-mod-space-agency")[1:] == [
        ("in_progress", "2020-05-18"),
        ("in_progress", "2022-03-17"),
        ("in_progress", "2022-12"),
    ]
    assert Recommendation.objects.get(slug="deploy-aegis-ashore").status == "superseded"
    assert Recommendation.objects.get(slug="create-mod-space-agency").status == "in_progress"


def test_loading_again_changes_nothing(seeded):
    before = {
        model: list(model.objects.order_by("pk").values_list("pk", "version"))
        for model in (Claim, Policy, Recommendation, Evidence, StatusChange)
    }
    out = StringIO()
    call_command("load_seed", str(DATA / "seed.yaml"), stdout=out)
    call_command("import_corpus", str(DATA / "corpus"), "--state", "published", verbosity=0)
    counts = out.getvalue().splitlines()[:-1]
    assert counts and all(line.endswith(": 0 created, 0 updated") for line in counts)
    for model, rows in before.items():
        assert list(model.objects.order_by("pk").values_list("pk", "version")) == rows, model


def test_a_broken_seed_file_writes_nothing(tmp_path):
    call_command("import_corpus", str(DATA / "corpus"), "--state", "published", verbosity=0)
    broken = tmp_path / "seed.yaml"
    broken.write_text(
        "topics:\n  - {slug: space, name: Space}\n"
        "claims:\n  - {key: k, document: hoff-2016-next-steps, quote: 'not in the text at all',"
        " summary: s, topics: [space]}\n",
        encoding="utf-8",
    )
    topics, claims = Topic.objects.count(), Claim.objects.count()
    with pytest.raises(CommandError, match="does not occur"):
        call_command("load_seed", str(broken), stdout=StringIO())
    assert (Topic.objects.count(), Claim.objects.count()) == (topics, claims)
