import datetime

import factory

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

BODY = (
    "The alliance should pursue a land-based missile defense system, like Aegis Ashore, "
    "that would provide high-altitude coverage.\n\n"
    "One practical step toward closer cooperation would be to sign a Japan-South Korea "
    "General Security of Military Information Agreement (GSOMIA).\n\n"
    "The alliance would benefit from the creation of a Japanese space agency within the "
    "Ministry of Defense."
)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Paper {n} on the alliance")
    slug = factory.Sequence(lambda n: f"paper-{n}")
    authors = "Rachel Hoff"
    publisher = "Sasakawa Peace Foundation USA"
    published_on = datetime.date(2016, 1, 1)
    published_precision = "year"
    body = BODY
    state = State.PUBLISHED


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    document = factory.SubFactory(DocumentFactory)
    quote = "sign a Japan-South Korea General Security of Military Information Agreement"
    summary = "Japan and South Korea should sign a GSOMIA."
    state = State.PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Anchor the quote as the admin does: clean() finds the offsets.
        claim = model_class(*args, **kwargs)
        claim.clean()
        claim.save()
        return claim


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    title = factory.Sequence(lambda n: f"Policy {n}")
    slug = factory.Sequence(lambda n: f"policy-{n}")
    instrument = Policy.Instrument.LAW
    adopted_on = datetime.date(2015, 9, 19)
    adopted_precision = "day"
    state = State.PUBLISHED


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    title = factory.Sequence(lambda n: f"Recommendation {n}")
    slug = factory.Sequence(lambda n: f"recommendation-{n}")
    summary = "Do the thing."
    state = State.PUBLISHED


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    recommendation = factory.SubFactory(RecommendationFactory)
    claim = factory.SubFactory(ClaimFactory)
    role = Evidence.Role.SUPPORTS


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    recommendation = factory.SubFactory(RecommendationFactory)
    status = "proposed"
    date = datetime.date(2016, 1, 1)
    date_precision = "year"
    source = "Hoff (2016)"
