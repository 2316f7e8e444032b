"""No lost update: two editors open the same item, the first saves, and the
second's save of the now stale page is refused, saying who changed it and
when, with everything the second editor typed still on the page.

Bob and Erin are both editors. Each has their own browser (a Client); they
GET the real change page, edit the fields the page contains (hidden versions
and inline management forms included) and POST it back.
"""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from editorial.models import Evidence, Recommendation, StatusChange
from editorial.publishing import EditConflict, State
from editorial.workflow import VersionedForm

from .adminforms import change_form
from .factories import ClaimFactory, EvidenceFactory, RecommendationFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recommendation():
    """A draft recommendation with one evidence link and one status change."""
    recommendation = RecommendationFactory(
        state=State.DRAFT, title="Deploy Aegis Ashore", summary="The original summary."
    )
    evidence = EvidenceFactory(recommendation=recommendation, note="Original note", position=0)
    recommendation.documents.add(evidence.claim.document)
    StatusChangeFactory(recommendation=recommendation, note="Proposed in the paper.")
    return recommendation


def _url(recommendation):
    return reverse("admin:editorial_recommendation_change", args=[recommendation.pk])


def _open_twice(bob_client, erin_client, recommendation):
    url = _url(recommendation)
    return change_form(bob_client, url), change_form(erin_client, url)


def test_the_page_carries_the_version_of_the_item_and_of_each_row(bob_client, recommendation):
    form = change_form(bob_client, _url(recommendation))
    evidence = recommendation.evidence.get()
    change = recommendation.status_changes.get()
    assert form["base_version"] == str(recommendation.version)
    assert form["evidence-0-base_version"] == str(evidence.version)
    assert form["status_changes-0-base_version"] == str(change.version)


def test_erins_stale_save_is_refused_and_bobs_change_is_kept(
    bob_client, erin_client, recommendation
):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)

    bobs["summary"] = "Bob's summary, saved first."
    assert bob_client.post(_url(recommendation), bobs.data()).status_code == 302

    erins["summary"] = "Erin's summary, typed <carefully> & at length."
    erins["title"] = "Deploy Aegis Ashore (Erin's title)"
    response = erin_client.post(_url(recommendation), erins.data())

    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed after you opened it, by Bob (bob) at" in page
    assert "They changed: Summary." in page
    assert "Nothing was saved. Your text is still in the form" in page
    # Erin's text is on the page, exactly as she typed it.
    assert escape("Erin's summary, typed <carefully> & at length.") in page
    assert escape("Deploy Aegis Ashore (Erin's title)") in page
    saved = Recommendation.objects.get(pk=recommendation.pk)
    assert saved.summary == "Bob's summary, saved first."
    assert saved.title == "Deploy Aegis Ashore"


def test_the_refusal_names_when_bob_saved(bob_client, erin_client, recommendation, bob):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bob_client.post(_url(recommendation), bobs.data(summary="Bob's"))
    response = erin_client.post(_url(recommendation), erins.data(summary="Erin's"))
    saved_at = recommendation.history.filter(history_user=bob).latest("history_date")
    from editorial.history import when

    assert when(saved_at.history_date) in response.content.decode()


def test_erin_can_keep_her_text_by_saving_again_after_reading_the_refusal(
    bob_client, erin_client, recommendation
):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bob_client.post(_url(recommendation), bobs.data(summary="Bob's summary."))
    refusal = erin_client.post(_url(recommendation), erins.data(summary="Erin's summary."))
    # The refusal page is a complete form again, now based on Bob's version.
    again = change_form_from(refusal)
    assert again["summary"] == "Erin's summary."
    assert erin_client.post(_url(recommendation), again.data()).status_code == 302
    assert Recommendation.objects.get(pk=recommendation.pk).summary == "Erin's summary."


def change_form_from(response):
    from .adminforms import AdminForm

    return AdminForm(response.content.decode(), "recommendation_form")


def test_a_stale_evidence_row_is_refused_the_same_way(bob_client, erin_client, recommendation):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bobs["evidence-0-note"] = "Bob's note."
    assert bob_client.post(_url(recommendation), bobs.data()).status_code == 302

    erins["evidence-0-note"] = "Erin's careful note."
    response = erin_client.post(_url(recommendation), erins.data())

    assert response.status_code == 200
    page = response.content.decode()
    assert "This evidence was changed after you opened it, by Bob (bob)" in page
    assert "They changed: Note." in page
    assert escape("Erin's careful note.") in page
    assert Evidence.objects.get(recommendation=recommendation).note == "Bob's note."


def test_an_untouched_but_stale_row_also_blocks_the_save(bob_client, erin_client, recommendation):
    # Erin edits only the summary, but her page still holds the old evidence
    # row; saving it would silently put back the old note over Bob's.
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bob_client.post(_url(recommendation), bobs.data(**{"evidence-0-note": "Bob's note."}))
    response = erin_client.post(_url(recommendation), erins.data(summary="Erin's summary."))
    assert response.status_code == 200
    assert escape("Erin's summary.") in response.content.decode()
    assert Evidence.objects.get(recommendation=recommendation).note == "Bob's note."
    assert Recommendation.objects.get(pk=recommendation.pk).summary == "The original summary."


def test_a_stale_status_change_row_is_refused_the_same_way(bob_client, erin_client, recommendation):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bobs["status_changes-0-note"] = "Bob: proposed on page 3."
    assert bob_client.post(_url(recommendation), bobs.data()).status_code == 302

    erins["status_changes-0-note"] = "Erin: proposed in the summary."
    response = erin_client.post(_url(recommendation), erins.data())

    page = response.content.decode()
    assert response.status_code == 200
    assert "This status change was changed after you opened it, by Bob (bob)" in page
    assert "Erin: proposed in the summary." in page
    assert StatusChange.objects.get(recommendation=recommendation).note == (
        "Bob: proposed on page 3."
    )


def test_a_row_bob_deleted_is_not_brought_back_by_erin(bob_client, erin_client, recommendation):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bobs["evidence-0-DELETE"] = "on"
    assert bob_client.post(_url(recommendation), bobs.data()).status_code == 302

    erins["evidence-0-note"] = "Erin's note on a deleted row."
    response = erin_client.post(_url(recommendation), erins.data())

    page = response.content.decode()
    assert response.status_code == 200
    assert "This evidence was deleted by Bob (bob) at" in page
    assert "Erin&#x27;s note on a deleted row." in page
    assert not Evidence.objects.filter(recommendation=recommendation).exists()


def test_erin_cannot_delete_a_row_bob_changed_since_she_opened_the_page(
    bob_client, erin_client, recommendation
):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bob_client.post(_url(recommendation), bobs.data(**{"evidence-0-note": "Bob's new note."}))
    erins["evidence-0-DELETE"] = "on"
    response = erin_client.post(_url(recommendation), erins.data())
    assert response.status_code == 200
    assert "You removed" in response.content.decode()
    assert Evidence.objects.get(recommendation=recommendation).note == "Bob's new note."


def test_new_rows_added_by_bob_survive_erins_save(bob_client, erin_client, recommendation):
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    extra = ClaimFactory(
        document=recommendation.evidence.get().claim.document, quote="Aegis Ashore"
    )
    bobs["evidence-TOTAL_FORMS"] = "2"
    bobs["evidence-1-claim"] = extra.pk
    bobs["evidence-1-role"] = "supports"
    bobs["evidence-1-position"] = "1"
    bobs["evidence-1-recommendation"] = recommendation.pk
    assert bob_client.post(_url(recommendation), bobs.data()).status_code == 302
    # Bob saved the page, so Erin's is stale; from the refusal page she saves
    # deliberately. Her page never had Bob's new row: it neither needs nor removes it.
    refusal = erin_client.post(_url(recommendation), erins.data(summary="Erin's."))
    assert "Its own fields are as you found them" in refusal.content.decode()
    response = erin_client.post(_url(recommendation), change_form_from(refusal).data())
    assert response.status_code == 302
    assert Recommendation.objects.get(pk=recommendation.pk).summary == "Erin's."
    assert recommendation.evidence.count() == 2


def test_a_save_landing_between_validation_and_write_is_caught_by_the_database(
    bob_client, erin_client, recommendation, monkeypatch
):
    """Erin's form is validated while it is current; Bob's save then lands
    before her UPDATE. The UPDATE ... WHERE version = N matches nothing, the
    save is rolled back and the page is refused as above."""
    bobs, erins = _open_twice(bob_client, erin_client, recommendation)
    bob_client.post(_url(recommendation), bobs.data(summary="Bob's, saved in the gap."))

    original = VersionedForm._check_version
    skipped = []

    def validated_before_bobs_save(form):
        # The first time through, validation ran before Bob's save: it saw no conflict.
        if isinstance(form.instance, Recommendation) and not skipped:
            skipped.append(form)
            return
        original(form)

    monkeypatch.setattr(VersionedForm, "_check_version", validated_before_bobs_save)
    response = erin_client.post(_url(recommendation), erins.data(summary="Erin's."))

    assert skipped, "the race was not simulated"
    assert response.status_code == 200
    assert "by Bob (bob)" in response.content.decode()
    assert Recommendation.objects.get(pk=recommendation.pk).summary == "Bob's, saved in the gap."


def test_the_model_refuses_to_save_over_a_newer_version():
    recommendation = RecommendationFactory()
    bobs = Recommendation.objects.get(pk=recommendation.pk)
    erins = Recommendation.objects.get(pk=recommendation.pk)
    bobs.summary = "Bob's"
    bobs.save()
    erins.summary = "Erin's"
    with pytest.raises(EditConflict), transaction.atomic():
        erins.save()
    assert erins.version == recommendation.version  # unchanged, as loaded
    assert Recommendation.objects.get(pk=recommendation.pk).summary == "Bob's"
    # update_fields saves are checked (and counted) too.
    bobs.title = "Renamed"
    bobs.save(update_fields=["title"])
    assert Recommendation.objects.get(pk=recommendation.pk).version == bobs.version == 3


def test_withdrawing_from_an_old_page_is_refused(pat_client, bob):
    recommendation = RecommendationFactory(state=State.PUBLISHED)
    old_version = recommendation.version
    recommendation.summary = "Bob's correction"
    recommendation.save()
    response = pat_client.post(
        reverse("admin:editorial_recommendation_transition", args=[recommendation.pk]),
        {"target": State.WITHDRAWN, "base_version": old_version},
        follow=True,
    )
    assert "Nothing changed" in response.content.decode()
    assert Recommendation.objects.get(pk=recommendation.pk).state == State.PUBLISHED


def test_different_dates_for_the_status_change_keep_their_precision(
    bob_client, erin_client, recommendation
):
    # A save that is not stale goes through with the inline rows as posted.
    bobs = change_form(bob_client, _url(recommendation))
    bobs["status_changes-0-date"] = "2017-12-19"
    bobs["status_changes-0-date_precision"] = "day"
    assert bob_client.post(_url(recommendation), bobs.data()).status_code == 302
    assert recommendation.status_changes.get().date == datetime.date(2017, 12, 19)


def test_vocabularies_are_protected_from_lost_updates_too(bob_client, erin_client):
    from .factories import TopicFactory

    topic = TopicFactory(name="Space")
    url = reverse("admin:editorial_topic_change", args=[topic.pk])
    bobs, erins = change_form(bob_client, url), change_form(erin_client, url)
    assert bob_client.post(url, bobs.data(name="Space security")).status_code == 302
    response = erin_client.post(url, erins.data(name="Outer space"))
    assert response.status_code == 200
    assert "This topic was changed after you opened it, by Bob (bob)" in response.content.decode()
    topic.refresh_from_db()
    assert topic.name == "Space security"
