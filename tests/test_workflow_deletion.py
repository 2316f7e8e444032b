"""Deletion: what others depend on is protected, whichever path deletes it;
the admin says what blocks a delete and offers withdrawal instead.

Pat is a publisher (she may delete and withdraw); Bob is an editor (he may
do neither).
"""

import re

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from editorial.models import Document, Policy, Topic
from editorial.publishing import State

from .adminforms import AdminForm
from .factories import (
    ClaimFactory,
    DocumentFactory,
    PolicyFactory,
    RecommendationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _delete_url(obj):
    return reverse(f"admin:editorial_{obj._meta.model_name}_delete", args=[obj.pk])


def test_pat_is_told_which_claims_block_deleting_a_document(pat_client):
    claim = ClaimFactory(summary="Japan and South Korea should sign a GSOMIA.")
    document = claim.document
    response = pat_client.post(_delete_url(document), {"post": "yes"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"The document “{document}” cannot be deleted: other items depend on it" in page
    assert "Claim: <a href=" in page and "Japan and South Korea should sign a GSOMIA." in page
    assert Document.objects.filter(pk=document.pk).exists()


def test_pat_withdraws_instead_from_the_refused_delete_page(pat_client, pat):
    document = ClaimFactory().document
    page = pat_client.get(_delete_url(document)).content.decode()
    assert "Withdraw instead" in page
    withdraw = AdminForm(page, "withdraw-form")
    action = re.search(r'<form method="post" action="([^"]+)" id="withdraw-form"', page).group(1)
    response = pat_client.post(action, withdraw.data(), follow=True)
    assert "is now withdrawn" in response.content.decode()
    document.refresh_from_db()
    assert document.state == State.WITHDRAWN
    assert document.claims.count() == 1  # everything that depends on it is intact


def test_a_draft_that_others_depend_on_has_nothing_to_withdraw(pat_client):
    document = ClaimFactory(document=DocumentFactory(state=State.DRAFT)).document
    page = pat_client.get(_delete_url(document)).content.decode()
    assert "readers cannot see it, so there is nothing to withdraw" in page
    assert 'id="withdraw-form"' not in page


def test_a_policy_that_recommendations_list_cannot_be_deleted(pat_client):
    policy = PolicyFactory(title="Legislation for Peace and Security")
    recommendation = RecommendationFactory(title="Pass the security legislation")
    recommendation.policies.add(policy)

    response = pat_client.post(_delete_url(policy), {"post": "yes"})
    page = response.content.decode()
    assert "Pass the security legislation" in page
    assert "lists it among its policies" in page
    assert Policy.objects.filter(pk=policy.pk).exists()
    # Not only in the admin: any delete is refused.
    with pytest.raises(ProtectedError, match="Pass the security legislation"), transaction.atomic():
        Policy.objects.filter(pk=policy.pk).delete()
    assert list(recommendation.policies.all()) == [policy]


def test_a_document_that_proposes_recommendations_cannot_be_deleted():
    document = DocumentFactory()
    RecommendationFactory().documents.add(document)
    with pytest.raises(ProtectedError), transaction.atomic():
        document.delete()


def test_a_claim_that_a_policy_cites_cannot_be_deleted(pat_client):
    claim = ClaimFactory()
    PolicyFactory(title="Cites the claim").claims.add(claim)
    page = pat_client.post(_delete_url(claim), {"post": "yes"}).content.decode()
    assert "Cites the claim" in page
    assert "Withdraw instead" in page


def test_a_topic_in_use_cannot_be_deleted(pat_client):
    topic = TopicFactory(name="Space")
    ClaimFactory().topics.add(topic)
    page = pat_client.post(_delete_url(topic), {"post": "yes"}).content.decode()
    assert "lists it among its topics" in page
    assert Topic.objects.filter(pk=topic.pk).exists()


def test_the_bulk_delete_action_is_refused_the_same_way(pat_client):
    policy = PolicyFactory()
    RecommendationFactory(title="Depends on it").policies.add(policy)
    response = pat_client.post(
        reverse("admin:editorial_policy_changelist"),
        {"action": "delete_selected", "_selected_action": [policy.pk], "post": "yes"},
    )
    assert "Depends on it" in response.content.decode()
    assert Policy.objects.filter(pk=policy.pk).exists()


def test_pat_may_delete_what_nothing_depends_on(pat_client):
    document = DocumentFactory(state=State.DRAFT)
    response = pat_client.post(_delete_url(document), {"post": "yes"})
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()


def test_bob_the_editor_may_not_delete_documents(bob_client):
    document = DocumentFactory(state=State.DRAFT)
    assert bob_client.post(_delete_url(document), {"post": "yes"}).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_bob_may_not_withdraw_instead_either(bob_client):
    document = DocumentFactory(state=State.PUBLISHED)
    response = bob_client.post(
        reverse("admin:editorial_document_transition", args=[document.pk]),
        {"target": State.WITHDRAWN, "base_version": document.version},
        follow=True,
    )
    assert "Only a Publisher may withdraw documents" in response.content.decode()
    assert Document.objects.get(pk=document.pk).state == State.PUBLISHED
