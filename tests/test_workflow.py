"""The editorial workflow: draft → in review → published → withdrawn → draft.

Editors (Bob, Erin) write and submit for review; Publishers (Pat) also
publish and withdraw. Every path is tried: the admin action, the change form
as offered, the change form posted with a state it did not offer, the
transition URL posted directly, and the service function.
"""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from editorial import publishing
from editorial.models import Claim, Document, Evidence, Recommendation
from editorial.publishing import State, TransitionRefused
from editorial.roles import EDITOR, PUBLISHER

from .adminforms import change_form
from .factories import ClaimFactory, DocumentFactory, EvidenceFactory, RecommendationFactory

pytestmark = pytest.mark.django_db


def _change_url(obj):
    return reverse(f"admin:editorial_{obj._meta.model_name}_change", args=[obj.pk])


def _changelist_url(model):
    return reverse(f"admin:editorial_{model._meta.model_name}_changelist")


def _state(obj):
    return type(obj).objects.values_list("state", flat=True).get(pk=obj.pk)


@pytest.fixture
def in_review():
    """A claim Bob has submitted for review, on a published document."""
    return ClaimFactory(state=State.IN_REVIEW)


# --- The rules ----------------------------------------------------------------


def test_the_migration_creates_the_editor_and_publisher_groups():
    # Run the data migration's function itself: an earlier transactional
    # test may have flushed what the migration once wrote.
    migration = importlib.import_module("editorial.migrations.0004_workflow_groups")
    Group.objects.filter(name__in=[EDITOR, PUBLISHER]).delete()
    migration.create_groups(django_apps, SimpleNamespace(connection=connection))
    assert any(
        getattr(op, "code", None) is migration.create_groups
        for op in migration.Migration.operations
    )
    editor = set(Group.objects.get(name=EDITOR).permissions.values_list("codename", flat=True))
    publisher = set(
        Group.objects.get(name=PUBLISHER).permissions.values_list("codename", flat=True)
    )
    assert {"add_claim", "change_claim", "change_recommendation", "delete_evidence"} <= editor
    assert not {c for c in editor if c.startswith("publish_")}
    assert not {"delete_document", "delete_claim", "delete_recommendation"} & editor
    assert {
        "publish_document",
        "publish_claim",
        "publish_policy",
        "publish_recommendation",
        "delete_document",
    } <= publisher
    assert editor < publisher


def test_the_workflow_goes_from_draft_through_review_to_published_and_withdrawn(pat):
    item = ClaimFactory(state=State.DRAFT)
    for target in [State.IN_REVIEW, State.PUBLISHED, State.WITHDRAWN, State.DRAFT]:
        publishing.transition(item=item, target=target, user=pat)
        assert _state(item) == target


def test_nothing_is_published_without_review_not_even_by_a_publisher(pat):
    draft = ClaimFactory(state=State.DRAFT)
    assert publishing.allowed_targets(pat, draft) == [State.IN_REVIEW]
    with pytest.raises(TransitionRefused, match="cannot become published directly"):
        publishing.transition(item=draft, target=State.PUBLISHED, user=pat)
    assert _state(draft) == State.DRAFT


def test_bob_the_editor_may_submit_and_return_to_draft_but_not_publish(bob, in_review):
    assert publishing.allowed_targets(bob, ClaimFactory(state=State.DRAFT)) == [State.IN_REVIEW]
    assert publishing.allowed_targets(bob, in_review) == [State.DRAFT]
    with pytest.raises(TransitionRefused, match="Only a Publisher"):
        publishing.transition(item=in_review, target=State.PUBLISHED, user=bob)
    assert _state(in_review) == State.IN_REVIEW


def test_charlie_the_stranger_may_move_nothing(charlie, in_review):
    assert publishing.allowed_targets(charlie, in_review) == []
    with pytest.raises(TransitionRefused):
        publishing.transition(item=in_review, target=State.DRAFT, user=charlie)


def test_the_service_records_who_submitted_and_who_published_and_when(bob, pat):
    item = ClaimFactory(state=State.DRAFT)
    publishing.transition(item=item, target=State.IN_REVIEW, user=bob)
    publishing.transition(item=item, target=State.PUBLISHED, user=pat)
    item.refresh_from_db()
    assert (item.submitted_by, item.published_by) == (bob, pat)
    assert item.submitted_at <= item.published_at
    assert item.history.first().history_user == pat


# --- Bob the editor cannot publish: every path --------------------------------


def test_bob_is_not_offered_the_publish_action(bob_client, in_review):
    response = bob_client.get(_changelist_url(Claim))
    page = response.content.decode()
    assert 'value="submit_for_review"' in page
    assert 'value="publish"' not in page
    assert 'value="withdraw"' not in page


def test_bob_posting_the_publish_action_anyway_publishes_nothing(bob_client, in_review):
    response = bob_client.post(
        _changelist_url(Claim),
        {"action": "publish", "_selected_action": [in_review.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert _state(in_review) == State.IN_REVIEW
    assert "No action selected" in response.content.decode()


def test_bob_is_not_offered_published_on_the_change_form(bob_client, in_review):
    form = change_form(bob_client, _change_url(in_review))
    assert form.choices("state") == [State.IN_REVIEW, State.DRAFT]


def test_bob_posting_state_published_in_the_change_form_is_refused(bob_client, in_review):
    form = change_form(bob_client, _change_url(in_review))
    form["state"] = State.PUBLISHED
    response = bob_client.post(_change_url(in_review), form.data())
    assert response.status_code == 200
    assert "You may not move this item to" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.state == State.IN_REVIEW
    assert in_review.published_by is None


def test_bob_posting_to_the_transition_url_directly_is_refused(bob_client, in_review):
    response = bob_client.post(
        reverse("admin:editorial_claim_transition", args=[in_review.pk]),
        {"target": State.PUBLISHED, "base_version": in_review.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "Only a Publisher may publish claims" in response.content.decode()
    assert _state(in_review) == State.IN_REVIEW


def test_bob_cannot_publish_a_claim_inline_on_its_document(bob_client, in_review):
    document = in_review.document
    document.state = State.DRAFT
    document.save()
    form = change_form(bob_client, _change_url(document))
    assert form.choices("claims-0-state") == [State.IN_REVIEW, State.DRAFT]
    form["claims-0-state"] = State.PUBLISHED
    response = bob_client.post(_change_url(document), form.data())
    assert response.status_code == 200
    assert _state(in_review) == State.IN_REVIEW


def test_bob_submits_for_review_through_the_change_form(bob_client, bob):
    draft = ClaimFactory(state=State.DRAFT)
    form = change_form(bob_client, _change_url(draft))
    form["state"] = State.IN_REVIEW
    form["summary"] = "Japan and South Korea should sign a GSOMIA (reviewed wording)."
    response = bob_client.post(_change_url(draft), form.data())
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW
    assert draft.submitted_by == bob
    assert draft.summary.endswith("(reviewed wording).")


def test_a_new_item_may_start_as_a_draft_or_in_review_but_not_published(bob_client, pat_client):
    for client in (bob_client, pat_client):
        form = change_form(client, reverse("admin:editorial_document_add"))
        assert form.choices("state") == [State.DRAFT, State.IN_REVIEW]


def test_bob_posting_a_new_item_as_published_is_refused(bob_client):
    add_url = reverse("admin:editorial_document_add")
    form = change_form(bob_client, add_url)
    response = bob_client.post(
        add_url,
        form.data(
            title="Straight to the public",
            slug="straight-to-the-public",
            published_on="2016-01-01",
            published_precision="year",
            body="Text.",
            state=State.PUBLISHED,
        ),
    )
    assert response.status_code == 200
    assert "You may not move this item to" in response.content.decode()
    assert not Document.objects.filter(slug="straight-to-the-public").exists()


# --- Pat the publisher can ----------------------------------------------------


def test_pat_publishes_with_the_action_and_is_recorded(pat_client, pat, in_review):
    response = pat_client.post(
        _changelist_url(Claim), {"action": "publish", "_selected_action": [in_review.pk]}
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.state == State.PUBLISHED
    assert in_review.published_by == pat
    assert in_review.published_at is not None


def test_the_publish_action_skips_drafts_and_says_why(pat_client):
    draft = ClaimFactory(state=State.DRAFT)
    response = pat_client.post(
        _changelist_url(Claim),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert _state(draft) == State.DRAFT
    assert "Not changed" in response.content.decode()


def test_pat_publishes_through_the_change_form(pat_client, pat, in_review):
    form = change_form(pat_client, _change_url(in_review))
    assert form.choices("state") == [State.IN_REVIEW, State.DRAFT, State.PUBLISHED]
    form["state"] = State.PUBLISHED
    response = pat_client.post(_change_url(in_review), form.data())
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert (in_review.state, in_review.published_by) == (State.PUBLISHED, pat)


def test_pat_withdraws_and_bob_returns_the_item_to_draft(pat_client, bob_client):
    item = ClaimFactory(state=State.PUBLISHED)
    pat_client.post(_changelist_url(Claim), {"action": "withdraw", "_selected_action": [item.pk]})
    assert _state(item) == State.WITHDRAWN
    assert not Claim.objects.published().filter(pk=item.pk).exists()
    bob_client.post(
        _changelist_url(Claim), {"action": "return_to_draft", "_selected_action": [item.pk]}
    )
    assert _state(item) == State.DRAFT


# --- What readers see is changed only by publishers ---------------------------


def test_bob_may_read_but_not_change_a_published_item(bob_client):
    published = ClaimFactory(state=State.PUBLISHED)
    response = bob_client.get(_change_url(published))
    assert response.status_code == 200
    assert 'name="summary"' not in response.content.decode()  # shown read-only
    response = bob_client.post(_change_url(published), {"summary": "Bob's unreviewed edit"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.summary != "Bob's unreviewed edit"


def test_bob_cannot_change_the_evidence_of_a_published_recommendation(bob_client, bob):
    evidence = EvidenceFactory(note="Original note")
    url = _change_url(evidence)
    response = bob_client.post(url, {"note": "Bob's unreviewed note"})
    assert response.status_code == 403
    assert Evidence.objects.get(pk=evidence.pk).note == "Original note"
    # …nor attach new evidence to it.
    other = ClaimFactory()
    form = change_form(bob_client, reverse("admin:editorial_evidence_add"))
    response = bob_client.post(
        reverse("admin:editorial_evidence_add"),
        form.data(recommendation=evidence.recommendation.pk, claim=other.pk, role="supports"),
    )
    assert response.status_code == 200
    assert "Only a Publisher may change the published recommendation" in (response.content.decode())
    assert evidence.recommendation.evidence.count() == 1


def test_pat_may_change_a_published_item(pat_client):
    published = ClaimFactory(state=State.PUBLISHED)
    form = change_form(pat_client, _change_url(published))
    form["summary"] = "A reviewed correction."
    assert pat_client.post(_change_url(published), form.data()).status_code == 302
    assert Claim.objects.get(pk=published.pk).summary == "A reviewed correction."


def test_charlie_the_stranger_cannot_open_the_admin(charlie, client):
    client.force_login(charlie)
    response = client.get(_change_url(ClaimFactory()))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Showing the state, and what needs review ---------------------------------


def test_the_changelist_shows_each_items_state(bob_client):
    ClaimFactory(state=State.IN_REVIEW, summary="Waiting for Pat.")
    page = bob_client.get(_changelist_url(Claim)).content.decode()
    assert 'class="workflow-state workflow-state--in_review">In review<' in page


def test_the_admin_front_page_lists_what_needs_review(bob, pat_client):
    item = ClaimFactory(state=State.DRAFT, summary="Japan should build a space agency.")
    publishing.transition(item=item, target=State.IN_REVIEW, user=bob)
    DocumentFactory(state=State.PUBLISHED, title="Not waiting")
    page = pat_client.get(reverse("admin:index")).content.decode()
    section = page[page.index('id="needs-review"') :]
    section = section[: section.index("</div>")]
    assert "Japan should build a space agency." in section
    assert "submitted by bob" in section
    assert "Not waiting" not in section
    assert f"{_changelist_url(Claim)}?state__exact=in_review" in section


def test_the_needs_review_link_lists_exactly_the_items_in_review(pat_client, in_review):
    ClaimFactory(state=State.DRAFT, summary="Still a draft.")
    response = pat_client.get(_changelist_url(Claim), {"state__exact": "in_review"})
    assert list(response.context["cl"].result_list) == [in_review]


def test_the_front_page_needs_review_list_takes_a_fixed_number_of_queries(
    pat_client, bob, django_assert_max_num_queries
):
    for _ in range(12):
        publishing.transition(
            item=ClaimFactory(state=State.DRAFT), target=State.IN_REVIEW, user=bob
        )
    pat_client.get(reverse("admin:index"))  # warm the session and content types
    with django_assert_max_num_queries(20):
        page = pat_client.get(reverse("admin:index")).content.decode()
    assert "All 12 claims in review" in page


# --- The demo account ---------------------------------------------------------


@override_settings(DEBUG=True)
def test_create_editor_makes_a_publisher_who_is_not_a_superuser(tmp_path, capsys):
    call_command("create_editor", password_file=str(tmp_path / "pw"))
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="editor")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [PUBLISHER]
    assert publishing.can_publish(user, Recommendation)
    out = capsys.readouterr().out
    assert "password" in out and "Publisher group" in out
    # Running it again changes nothing and prints the same password.
    call_command("create_editor", password_file=str(tmp_path / "pw"))
    assert out.splitlines()[0] == capsys.readouterr().out.splitlines()[0]


def test_documents_too_follow_the_workflow(pat_client, pat):
    document = DocumentFactory(state=State.IN_REVIEW)
    pat_client.post(
        _changelist_url(Document), {"action": "publish", "_selected_action": [document.pk]}
    )
    assert Document.objects.get(pk=document.pk).published_by == pat
    recommendation = RecommendationFactory(state=State.IN_REVIEW)
    pat_client.post(
        _changelist_url(Recommendation),
        {"action": "publish", "_selected_action": [recommendation.pk]},
    )
    assert _state(recommendation) == State.PUBLISHED


def test_trusted_code_may_still_set_a_state_directly(pat):
    # set_state() is for imports and test setup: no workflow checks, but the
    # same record of who published and when.
    draft = ClaimFactory(state=State.DRAFT)
    assert publishing.set_state([draft], State.PUBLISHED, user=pat) == 1
    assert publishing.set_state([draft], State.PUBLISHED, user=pat) == 0
    draft.refresh_from_db()
    assert (draft.state, draft.published_by) == (State.PUBLISHED, pat)
