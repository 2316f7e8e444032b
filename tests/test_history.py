"""Revision history: every editorial model keeps one; the admin shows who
changed what and when with a field-by-field diff; any revision can be
reverted to, a recommendation's evidence links and status history included.

Bob is an editor, Pat a publisher.
"""

import datetime

import pytest
from django.urls import reverse

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

from .adminforms import AdminForm, change_form
from .factories import (
    ClaimFactory,
    EvidenceFactory,
    RecommendationFactory,
    StatusChangeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

EDITORIAL_MODELS = [Document, Claim, Policy, Recommendation, Evidence, StatusChange, Topic, Actor]


def _url(obj, view="change", *args):
    return reverse(f"admin:editorial_{obj._meta.model_name}_{view}", args=[obj.pk, *args])


@pytest.fixture
def recommendation():
    """A draft recommendation: two topics, evidence A, status change S1."""
    recommendation = RecommendationFactory(
        state=State.DRAFT, title="Deploy Aegis Ashore", summary="Build two Aegis Ashore sites."
    )
    evidence = EvidenceFactory(recommendation=recommendation, note="A, as first written")
    recommendation.documents.add(evidence.claim.document)
    recommendation.topics.add(TopicFactory(name="Missile defense"), TopicFactory(name="Space"))
    StatusChangeFactory(recommendation=recommendation, status="proposed", note="S1: proposed.")
    return recommendation


@pytest.mark.parametrize("model", EDITORIAL_MODELS, ids=lambda m: m.__name__)
def test_every_editorial_model_keeps_a_revision_history(model):
    assert hasattr(model, "history"), f"{model.__name__} has no revision history"
    assert model.history.model._meta.db_table.startswith("editorial_historical")


def test_bobs_admin_save_is_one_revision_with_its_links_and_his_name(
    bob_client, bob, recommendation
):
    before = recommendation.history.count()
    form = change_form(bob_client, _url(recommendation))
    space = Topic.objects.get(name="Space")
    form["summary"] = "Build one Aegis Ashore site."
    form["topics"] = [space.pk]
    assert bob_client.post(_url(recommendation), form.data()).status_code == 302

    assert recommendation.history.count() == before + 1
    revision = recommendation.history.first()
    assert revision.history_user == bob
    assert revision.summary == "Build one Aegis Ashore site."
    # The revision holds the links as saved, not as they were before the save.
    assert list(revision.topics.values_list("topic_id", flat=True)) == [space.pk]


def test_the_history_page_shows_who_changed_which_field_and_how(bob_client, recommendation):
    form = change_form(bob_client, _url(recommendation))
    form["summary"] = "Build one Aegis Ashore site."
    bob_client.post(_url(recommendation), form.data())

    page = bob_client.get(_url(recommendation, "history")).content.decode()
    assert "<strong>Summary:</strong>" in page
    assert "<del>two</del><ins>one</ins>" in page
    assert ">bob<" in page
    # Nothing derived or bookkeeping is listed as a change.
    assert "Version:" not in page and "Updated at:" not in page


def _edit_everything(client, recommendation):
    """Bob's second revision: new summary and topics, evidence A changed,
    evidence B added, status change S1 removed and S2 added."""
    form = change_form(client, _url(recommendation))
    claim_b = ClaimFactory(
        document=recommendation.documents.get(), quote="Aegis Ashore", summary="Claim B"
    )
    form["summary"] = "Cancel Aegis Ashore."
    form["topics"] = [Topic.objects.get(name="Space").pk]
    form["evidence-0-note"] = "A, rewritten"
    form["evidence-TOTAL_FORMS"] = "2"
    form["evidence-1-claim"] = claim_b.pk
    form["evidence-1-role"] = "opposes"
    form["evidence-1-position"] = "1"
    form["evidence-1-note"] = "B"
    form["evidence-1-recommendation"] = recommendation.pk
    form["status_changes-0-DELETE"] = "on"
    form["status_changes-TOTAL_FORMS"] = "2"
    form["status_changes-1-status"] = "abandoned"
    form["status_changes-1-date"] = "2020-06-24"
    form["status_changes-1-date_precision"] = "day"
    form["status_changes-1-position"] = "0"
    form["status_changes-1-note"] = "S2: abandoned."
    form["status_changes-1-source"] = "Japan MOD, 24 June 2020"
    form["status_changes-1-recommendation"] = recommendation.pk
    response = client.post(_url(recommendation), form.data())
    assert response.status_code == 302, response.content.decode()[:3000]


def _parts(recommendation):
    evidence = sorted(
        (e.pk, e.claim.summary, e.role, e.note) for e in recommendation.evidence.all()
    )
    changes = sorted(
        (s.pk, s.status, s.date, s.note, s.source) for s in recommendation.status_changes.all()
    )
    return evidence, changes


def test_reverting_restores_fields_links_evidence_and_status_history(
    bob_client, bob, recommendation
):
    original_topics = set(recommendation.topics.values_list("pk", flat=True))
    original_parts = _parts(recommendation)
    original_revision = recommendation.history.first()

    _edit_everything(bob_client, recommendation)
    recommendation.refresh_from_db()
    assert recommendation.status == "abandoned"
    assert _parts(recommendation) != original_parts

    revision_page = bob_client.get(_url(recommendation, "simple_history", original_revision.pk))
    page = revision_page.content.decode()
    assert "Reverting to this revision would change" in page
    assert "Evidence: different from now" in page
    assert "S1: proposed." not in page or "Status changes: different from now" in page
    revert_form = AdminForm(page, "revert-form")
    response = bob_client.post(
        _url(recommendation, "simple_history", original_revision.pk),
        revert_form.data(),
        follow=True,
    )
    assert "Reverted “Deploy Aegis Ashore” to the revision of" in response.content.decode()

    recommendation.refresh_from_db()
    assert recommendation.summary == "Build two Aegis Ashore sites."
    assert set(recommendation.topics.values_list("pk", flat=True)) == original_topics
    # Evidence A has its first note again, B is gone; S1 is back (same id), S2 gone.
    assert _parts(recommendation) == original_parts
    assert recommendation.status == "proposed"
    # The revert is itself a revision, by Bob, saying what it was.
    latest = recommendation.history.first()
    assert latest.history_user == bob
    assert latest.history_change_reason.startswith("Reverted to the revision of")
    assert Evidence.history.filter(history_user=bob, history_type="-").exists()


def test_a_revert_can_be_undone_by_reverting_to_the_revision_before_it(bob_client, recommendation):
    first = recommendation.history.first()
    original = _parts(recommendation)
    _edit_everything(bob_client, recommendation)
    edited = _parts(recommendation)
    edited_revision = recommendation.history.first()

    def revert_to(revision):
        page = bob_client.get(_url(recommendation, "simple_history", revision.pk))
        form = AdminForm(page.content.decode(), "revert-form")
        bob_client.post(_url(recommendation, "simple_history", revision.pk), form.data())
        recommendation.refresh_from_db()

    revert_to(first)
    assert _parts(recommendation) == original
    revert_to(edited_revision)
    assert recommendation.summary == "Cancel Aegis Ashore."
    # The same rows, under the ids they had: their histories continue.
    assert _parts(recommendation) == edited


def test_reverting_keeps_the_publication_state(pat_client, pat):
    recommendation = RecommendationFactory(state=State.DRAFT, summary="Draft wording")
    draft_revision = recommendation.history.first()
    recommendation.summary = "Published wording"
    recommendation.state = State.PUBLISHED
    recommendation.save()
    page = pat_client.get(_url(recommendation, "simple_history", draft_revision.pk))
    assert "Reverting keeps the current state (Published)" in page.content.decode()
    form = AdminForm(page.content.decode(), "revert-form")
    pat_client.post(_url(recommendation, "simple_history", draft_revision.pk), form.data())
    recommendation.refresh_from_db()
    assert recommendation.summary == "Draft wording"
    assert recommendation.state == State.PUBLISHED


def test_bob_cannot_revert_a_published_item(bob_client):
    recommendation = RecommendationFactory(state=State.PUBLISHED, summary="Reviewed")
    first = recommendation.history.first()
    recommendation.summary = "Reviewed again"
    recommendation.save()
    url = _url(recommendation, "simple_history", first.pk)
    page = bob_client.get(url).content.decode()
    assert "Revert to this revision" not in page
    assert bob_client.post(url, {"base_version": recommendation.version}).status_code == 403
    assert Recommendation.objects.get(pk=recommendation.pk).summary == "Reviewed again"


def test_a_revert_that_cannot_be_restored_as_it_was_is_refused_with_the_reason(
    bob_client, recommendation
):
    first = recommendation.history.first()
    evidence = recommendation.evidence.get()
    claim = evidence.claim
    # The claim evidence A cited is unlinked, then deleted altogether.
    form = change_form(bob_client, _url(recommendation))
    form["evidence-0-DELETE"] = "on"
    assert bob_client.post(_url(recommendation), form.data()).status_code == 302
    claim.delete()

    url = _url(recommendation, "simple_history", first.pk)
    form = AdminForm(bob_client.get(url).content.decode(), "revert-form")
    response = bob_client.post(url, form.data())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was reverted" in page
    assert "the claim it referred to (#" in page and "has since been deleted" in page
    assert not recommendation.evidence.exists()


def test_reverting_from_a_page_opened_before_someone_else_saved_is_refused(
    bob_client, erin_client, recommendation
):
    first = recommendation.history.first()
    url = _url(recommendation, "simple_history", first.pk)
    bobs_revert = AdminForm(bob_client.get(url).content.decode(), "revert-form")
    form = change_form(erin_client, _url(recommendation))
    erin_client.post(_url(recommendation), form.data(summary="Erin's newer summary"))
    response = bob_client.post(url, bobs_revert.data())
    assert "Nothing was reverted" in response.content.decode()
    assert "by Erin (erin)" in response.content.decode()
    assert Recommendation.objects.get(pk=recommendation.pk).summary == "Erin's newer summary"


def test_a_status_change_is_attributed_to_the_editor_who_recorded_it(
    bob_client, bob, recommendation
):
    form = change_form(bob_client, _url(recommendation))
    form["status_changes-TOTAL_FORMS"] = "2"
    form["status_changes-1-status"] = "adopted"
    form["status_changes-1-date"] = "2017-12-19"
    form["status_changes-1-date_precision"] = "day"
    form["status_changes-1-position"] = "0"
    form["status_changes-1-source"] = "Cabinet decision, 19 December 2017"
    form["status_changes-1-recommendation"] = recommendation.pk
    assert bob_client.post(_url(recommendation), form.data()).status_code == 302

    adopted = StatusChange.objects.get(status="adopted")
    assert adopted.history.earliest().history_user == bob
    assert adopted.date == datetime.date(2017, 12, 19)
    page = bob_client.get(_url(recommendation)).content.decode()
    assert "Recorded by" in page and "bob, " in page
    listing = bob_client.get(reverse("admin:editorial_statuschange_changelist"))
    assert "bob, " in listing.content.decode()


def test_the_history_page_takes_a_bounded_number_of_queries(
    bob_client, recommendation, django_assert_max_num_queries
):
    for n in range(10):
        form = change_form(bob_client, _url(recommendation))
        bob_client.post(_url(recommendation), form.data(summary=f"Summary {n}"))
    with django_assert_max_num_queries(250):
        response = bob_client.get(_url(recommendation, "history"))
    assert response.status_code == 200


def test_bob_adds_a_recommendation_with_its_evidence_as_one_revision(bob_client, bob):
    claim = ClaimFactory()
    add_url = reverse("admin:editorial_recommendation_add")
    form = change_form(bob_client, add_url)
    form["title"] = "Sign a GSOMIA"
    form["slug"] = "sign-a-gsomia"
    form["documents"] = [claim.document.pk]
    form["evidence-TOTAL_FORMS"] = "1"
    form["evidence-0-claim"] = claim.pk
    form["evidence-0-role"] = "supports"
    form["evidence-0-position"] = "0"
    response = bob_client.post(add_url, form.data())
    assert response.status_code == 302, response.content.decode()[:2000]
    recommendation = Recommendation.objects.get(slug="sign-a-gsomia")
    [revision] = recommendation.history.all()
    assert (revision.history_type, revision.history_user) == ("+", bob)
    assert list(revision.documents.values_list("document_id", flat=True)) == [claim.document.pk]
    assert recommendation.evidence.get().history.get().history_user == bob
    # Its parts at that revision are the evidence saved with it.
    page = bob_client.get(_url(recommendation, "simple_history", revision.pk)).content.decode()
    assert "Evidence: as now" in page


def test_an_evidence_link_can_be_reverted_on_its_own_page(bob_client, recommendation):
    evidence = recommendation.evidence.get()
    first = evidence.history.first()
    form = change_form(bob_client, _url(evidence))
    bob_client.post(_url(evidence), form.data(note="Changed on its own page"))
    url = _url(evidence, "simple_history", first.pk)
    revert = AdminForm(bob_client.get(url).content.decode(), "revert-form")
    assert bob_client.post(url, revert.data()).status_code == 302
    evidence.refresh_from_db()
    assert evidence.note == "A, as first written"
    assert evidence.history.first().history_change_reason.startswith("Reverted to")
