"""Each invariant is checked twice: by full_clean() (what editors see) and by
the database (what nothing can bypass)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from editorial.dates import PartialDate
from editorial.models import Claim, Document, Evidence, Recommendation, StatusChange

from .factories import (
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    EvidenceFactory,
    PolicyFactory,
    RecommendationFactory,
    StatusChangeFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def db_rejects(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


@pytest.mark.parametrize(
    "factory", [DocumentFactory, PolicyFactory, RecommendationFactory, TopicFactory, ActorFactory]
)
def test_slugs_are_unique(factory):
    first = factory()
    duplicate = factory.build(slug=first.slug)
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "slug" in str(caught.value).lower()
    db_rejects(lambda: factory(slug=first.slug))


def test_one_evidence_per_recommendation_and_claim():
    evidence = EvidenceFactory()
    duplicate = Evidence(recommendation=evidence.recommendation, claim=evidence.claim)
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "already linked" in str(caught.value)
    db_rejects(
        lambda: Evidence.objects.create(
            recommendation=evidence.recommendation, claim=evidence.claim
        )
    )


def test_claim_offsets_are_in_order():
    claim = ClaimFactory()
    db_rejects(lambda: Claim.objects.filter(pk=claim.pk).update(end_offset=claim.start_offset))


def test_claim_clean_computes_offsets_so_editors_cannot_set_them_out_of_order():
    claim = ClaimFactory()
    claim.start_offset, claim.end_offset = 50, 10
    claim.full_clean()
    assert claim.start_offset < claim.end_offset


@pytest.mark.parametrize(
    ("date", "precision", "ok"),
    [
        (datetime.date(2016, 1, 1), "year", True),
        (datetime.date(2016, 5, 1), "year", False),
        (datetime.date(2022, 12, 1), "month", True),
        (datetime.date(2022, 12, 18), "month", False),
        (datetime.date(2017, 12, 19), "day", True),
    ],
)
def test_dates_are_the_first_day_of_their_precision(date, precision, ok):
    document = DocumentFactory.build(published_on=date, published_precision=precision)
    if ok:
        document.full_clean()
        document.save()
        return
    with pytest.raises(ValidationError) as caught:
        document.full_clean()
    assert "published_on" in caught.value.message_dict
    db_rejects(lambda: DocumentFactory(published_on=date, published_precision=precision))


def test_status_change_dates_follow_their_precision_too():
    change = StatusChangeFactory.build(
        recommendation=RecommendationFactory(),
        date=datetime.date(2020, 6, 15),
        date_precision="month",
    )
    with pytest.raises(ValidationError):
        change.full_clean()
    db_rejects(change.save)


def test_a_policy_may_have_no_adoption_date_but_a_given_one_follows_its_precision():
    PolicyFactory.build(adopted_on=None, adopted_precision="year").full_clean()
    PolicyFactory(adopted_on=None, adopted_precision="year")
    bad = PolicyFactory.build(adopted_on=datetime.date(2014, 7, 1), adopted_precision="year")
    with pytest.raises(ValidationError):
        bad.full_clean()
    db_rejects(bad.save)


def test_dates_are_shown_and_exported_at_their_precision():
    assert str(PartialDate.parse("2016")) == "2016"
    assert PartialDate.parse("2022-12").isoformat() == "2022-12"
    assert str(PartialDate.parse("2022-12")) == "December 2022"
    assert str(PartialDate.parse("2017-12-19")) == "19 December 2017"
    with pytest.raises(ValueError):
        PartialDate.parse("Dec 2022")


def test_deleting_a_document_with_claims_is_refused():
    claim = ClaimFactory()
    with pytest.raises(ProtectedError):
        claim.document.delete()
    assert Document.objects.filter(pk=claim.document.pk).exists()


def test_deleting_a_claim_used_as_evidence_is_refused():
    evidence = EvidenceFactory()
    with pytest.raises(ProtectedError):
        evidence.claim.delete()


def test_current_status_is_that_of_the_latest_change():
    recommendation = RecommendationFactory()
    assert recommendation.status == "proposed"
    StatusChangeFactory(recommendation=recommendation, status="proposed")
    adopted = StatusChangeFactory(
        recommendation=recommendation,
        status="adopted",
        date=datetime.date(2017, 12, 19),
        date_precision="day",
    )
    StatusChangeFactory(
        recommendation=recommendation,
        status="abandoned",
        date=datetime.date(2020, 6, 24),
        date_precision="day",
    )
    current = Recommendation.objects.get(pk=recommendation.pk)
    assert (current.status, current.status_date, current.status_date_precision) == (
        "abandoned",
        datetime.date(2020, 6, 24),
        "day",
    )
    StatusChange.objects.get(status="abandoned").delete()
    current = Recommendation.objects.get(pk=recommendation.pk)
    assert (current.status, current.status_date, current.status_date_precision) == (
        adopted.status,
        datetime.date(2017, 12, 19),
        "day",
    )
    # A change of date alone moves "since when" too.
    adopted.date, adopted.date_precision = datetime.date(2018, 1, 1), "year"
    adopted.save()
    current = Recommendation.objects.get(pk=recommendation.pk)
    assert (current.status_date, current.status_date_precision) == (
        datetime.date(2018, 1, 1),
        "year",
    )
    StatusChange.objects.filter(recommendation=recommendation).delete()
    current = Recommendation.objects.get(pk=recommendation.pk)
    assert (current.status, current.status_date, current.status_date_precision) == (
        "proposed",
        None,
        "",
    )


def test_deleting_changes_in_bulk_refreshes_the_status():
    # As the admin's "delete selected" does: a queryset's delete(), which
    # calls no model's delete().
    recommendation = RecommendationFactory()
    StatusChangeFactory(recommendation=recommendation, status="adopted")
    latest = StatusChangeFactory(
        recommendation=recommendation, status="implemented", date=datetime.date(2021, 1, 1)
    )
    other = StatusChangeFactory(status="rejected")
    assert Recommendation.objects.get(pk=recommendation.pk).status == "implemented"
    StatusChange.objects.filter(pk__in=[latest.pk, other.pk]).delete()
    assert Recommendation.objects.get(pk=recommendation.pk).status == "adopted"
    assert Recommendation.objects.get(pk=other.recommendation_id).status == "proposed"


def test_moving_a_change_to_another_recommendation_refreshes_both():
    source, target = RecommendationFactory(), RecommendationFactory()
    StatusChangeFactory(recommendation=source, status="adopted")
    moved = StatusChangeFactory(
        recommendation=source, status="implemented", date=datetime.date(2021, 1, 1)
    )
    moved.recommendation = target
    moved.save()
    assert Recommendation.objects.get(pk=source.pk).status == "adopted"
    assert Recommendation.objects.get(pk=target.pk).status == "implemented"


def test_deleting_a_recommendation_deletes_its_changes_without_error():
    recommendation = RecommendationFactory()
    StatusChangeFactory(recommendation=recommendation, status="adopted")
    recommendation.delete()
    assert not StatusChange.objects.exists()


def test_every_save_increments_the_version():
    document = DocumentFactory()
    assert document.version == 1
    document.title = "Changed"
    document.save()
    document.refresh_from_db()
    assert document.version == 2


def test_published_claims_of_unpublished_documents_are_not_published():
    visible = ClaimFactory()
    hidden = ClaimFactory(document=DocumentFactory(state="draft"))
    assert list(Claim.objects.published()) == [visible]
    assert hidden.state == "published"


def test_choice_labels_are_djangos_for_every_choice_and_any_other_value():
    """``Tracked._get_FIELD_display`` keeps each field's labels in a dict made
    once: it gives what Django's own gives, for every value a field may hold
    and for one it may not."""
    from django.apps import apps
    from django.db import models
    from django.utils import translation

    from editorial.publishing import Tracked

    checked = 0
    for model in apps.get_app_config("editorial").get_models():
        if not issubclass(model, Tracked):
            continue
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            item = model()
            for value in [value for value, _label in field.flatchoices] + ["no-such-value"]:
                setattr(item, field.attname, value)
                with translation.override("en"):
                    assert item._get_FIELD_display(field) == models.Model._get_FIELD_display(
                        item, field
                    ), (model, field.name, value)
                checked += 1
    assert checked > 20
    recommendation = RecommendationFactory(status="implemented")
    assert recommendation.get_status_display() == "Implemented"
