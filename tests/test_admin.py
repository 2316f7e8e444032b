import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from editorial.models import Claim, Document, Recommendation

from .adminforms import change_form
from .factories import (
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    EvidenceFactory,
    PolicyFactory,
    StatusChangeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    evidence = EvidenceFactory()
    StatusChangeFactory(recommendation=evidence.recommendation)
    PolicyFactory().claims.add(evidence.claim)
    TopicFactory()
    ActorFactory()
    return evidence


def _model_admins():
    return [m for m in admin.site._registry if m._meta.app_label == "editorial"]


@pytest.mark.parametrize("model", _model_admins(), ids=lambda m: m.__name__)
def test_every_changelist_add_and_change_form_answers_200(alice_client, content, model):
    opts = model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"
    assert alice_client.get(reverse(f"{base}_changelist")).status_code == 200
    assert alice_client.get(reverse(f"{base}_changelist"), {"q": "alliance"}).status_code == 200
    assert alice_client.get(reverse(f"{base}_add")).status_code == 200
    obj = model.objects.first()
    assert alice_client.get(reverse(f"{base}_change", args=[obj.pk])).status_code == 200
    assert alice_client.get(reverse(f"{base}_history", args=[obj.pk])).status_code == 200


def test_the_recommendation_list_shows_the_current_status(alice_client, content):
    StatusChangeFactory(recommendation=content.recommendation, status="implemented")
    response = alice_client.get(reverse("admin:editorial_recommendation_changelist"))
    assert "Implemented" in response.content.decode()


def add_claim(client, document, quote, summary, *, kind):
    """Post the admin's add form for a draft claim of ``document``."""
    return client.post(
        reverse("admin:editorial_claim_add"),
        {
            "document": document.pk,
            "quote": quote,
            "summary": summary,
            "kind": kind,
            "state": "draft",
        },
    )


def test_a_claim_whose_quote_is_missing_shows_the_closest_passage(alice_client):
    document = ClaimFactory().document
    response = add_claim(
        alice_client,
        document,
        "create a Japanese space command within the Ministry of Defense",
        "Japan should create a military space agency.",
        kind="assessment",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "does not occur in the document" in page
    assert "a Japanese space agency within the Ministry of Defense" in page
    assert Claim.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a search vector's size (PostgreSQL; run in CI)"
)
def test_a_quote_too_long_to_be_searched_is_refused_and_the_editor_keeps_it(alice_client):
    quote = " ".join(f"x{n:03d}" for n in range(400))
    document = DocumentFactory(body=f"A table follows. {quote} The table ends.")
    response = add_claim(alice_client, document, quote, "The whole table.", kind="fact")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This quote is too long to be searched" in page
    assert quote in page  # the form shows it again, to shorten
    assert not Claim.objects.exists()


QUOTE = "sign a Japan-South Korea General Security of Military Information Agreement"


def _document_form(client, document):
    url = reverse("admin:editorial_document_change", args=[document.pk])
    return url, change_form(client, url)


def test_editing_the_text_away_from_a_quote_flags_the_claim_and_saves(alice_client):
    claim = ClaimFactory(quote=QUOTE)
    old_offsets = (claim.start_offset, claim.end_offset)
    url, form = _document_form(alice_client, claim.document)
    form["body"] = form["body"].replace("General Security", "Intelligence Sharing")
    response = alice_client.post(url, form.data())
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert "Intelligence Sharing" in claim.document.body
    assert "does not occur" in claim.anchor_problem
    assert (claim.start_offset, claim.end_offset) == old_offsets


def test_a_document_with_a_flagged_claim_can_still_be_saved(alice_client):
    claim = ClaimFactory(quote=QUOTE)
    document = claim.document
    document.body = document.body.replace("General Security", "Intelligence Sharing")
    document.save()  # as a re-import would: the claim is flagged
    url, form = _document_form(alice_client, document)
    form["title"] = "Renamed"
    form["claims-0-summary"] = "Edited while flagged."
    assert alice_client.post(url, form.data()).status_code == 302
    claim.refresh_from_db()
    assert (claim.document.title, claim.summary) == ("Renamed", "Edited while flagged.")
    assert "does not occur" in claim.anchor_problem


def test_a_quote_the_editor_types_must_still_occur(alice_client):
    claim = ClaimFactory(quote=QUOTE)
    url, form = _document_form(alice_client, claim.document)
    form["claims-0-quote"] = "create a Japanese space command within the Ministry of Defense"
    response = alice_client.post(url, form.data())
    assert response.status_code == 200
    assert "does not occur in the document" in response.content.decode()
    claim.refresh_from_db()
    assert claim.quote == QUOTE and claim.anchor_problem == ""


def test_adding_a_claim_with_a_found_quote_stores_its_anchor(alice_client):
    document = ClaimFactory().document
    response = add_claim(
        alice_client,
        document,
        "a land-based missile   defense system, like Aegis Ashore",
        "Deploy Aegis Ashore.",
        kind="assessment",
    )
    assert response.status_code == 302
    claim = Claim.objects.latest("pk")
    assert document.body[claim.start_offset : claim.end_offset] == (
        "a land-based missile defense system, like Aegis Ashore"
    )


def test_publish_action_publishes_and_records_who(alice_client, alice):
    # Only an item in review can be published (the workflow: see test_workflow.py).
    draft = ClaimFactory(state="draft").document
    draft.state = "in_review"
    draft.save()
    response = alice_client.post(
        reverse("admin:editorial_document_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "published"
    assert draft.published_by == alice
    assert draft.published_at is not None


def test_withdraw_action_takes_items_off_the_site(alice_client, content):
    recommendation = content.recommendation
    alice_client.post(
        reverse("admin:editorial_recommendation_changelist"),
        {"action": "withdraw", "_selected_action": [recommendation.pk]},
    )
    assert Recommendation.objects.get(pk=recommendation.pk).state == "withdrawn"
    assert not Recommendation.objects.published().exists()


def test_deleting_a_document_with_claims_is_refused_in_the_admin(alice_client):
    document = ClaimFactory().document
    response = alice_client.post(
        reverse("admin:editorial_document_delete", args=[document.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert Document.objects.filter(pk=document.pk).exists()
    assert "would require deleting the following protected" in response.content.decode()
