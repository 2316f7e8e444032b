"""Data for the API tests: a small world mixing what the public may see with
what it must not, and a fast bulk builder for query-count tests."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

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

from .factories import (
    BODY,
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    EvidenceFactory,
    PolicyFactory,
    RecommendationFactory,
    StatusChangeFactory,
    TopicFactory,
)

# Every hidden item carries this word in its visible text; the published ones
# never do, so "the word appears nowhere" proves nothing hidden leaked.
HIDDEN = "zeppelin"

AEGIS = "a land-based missile defense system, like Aegis Ashore"
GSOMIA = "sign a Japan-South Korea General Security of Military Information Agreement"
SPACE = "creation of a Japanese space agency within the Ministry of Defense"


def world():
    """Published items, each with hidden neighbours of every kind."""
    w = SimpleNamespace()
    w.bmd = TopicFactory(slug="ballistic-missile-defense", name="Ballistic missile defense")
    w.japan = ActorFactory(slug="japan", name="Japan")

    w.paper = DocumentFactory(slug="hoff-2016", title="Next Steps for the alliance")
    w.draft_paper = DocumentFactory(
        slug="draft-paper", title=f"A {HIDDEN} draft", state=State.DRAFT
    )
    w.withdrawn_paper = DocumentFactory(
        slug="withdrawn-paper", title=f"A withdrawn {HIDDEN} paper", state=State.WITHDRAWN
    )

    w.aegis = ClaimFactory(document=w.paper, quote=AEGIS, summary="Deploy Aegis Ashore.")
    w.aegis.topics.add(w.bmd)
    w.draft_claim = ClaimFactory(
        document=w.paper, quote=SPACE, summary=f"A {HIDDEN} draft claim.", state=State.DRAFT
    )
    w.withdrawn_claim = ClaimFactory(
        document=w.paper,
        quote=GSOMIA,
        summary=f"A withdrawn {HIDDEN} claim.",
        state=State.WITHDRAWN,
    )
    # Published itself, but its document is not: just as invisible.
    w.orphan_claim = ClaimFactory(
        document=w.draft_paper, quote=AEGIS, summary=f"A {HIDDEN} claim of a draft."
    )

    w.law = PolicyFactory(slug="peace-and-security", title="Legislation for Peace and Security")
    w.law.actors.add(w.japan)
    w.law.claims.add(w.aegis, w.draft_claim, w.orphan_claim)
    w.draft_policy = PolicyFactory(
        slug="draft-policy", title=f"A {HIDDEN} policy", state=State.DRAFT
    )

    w.rec = RecommendationFactory(slug="deploy-aegis-ashore", title="Deploy Aegis Ashore")
    w.rec.documents.add(w.paper, w.draft_paper, w.withdrawn_paper)
    w.rec.policies.add(w.law, w.draft_policy)
    w.rec.topics.add(w.bmd)
    w.rec.actors.add(w.japan)
    w.evidence = EvidenceFactory(recommendation=w.rec, claim=w.aegis, note="The proposal.")
    for position, claim in enumerate([w.draft_claim, w.withdrawn_claim, w.orphan_claim], 1):
        EvidenceFactory(recommendation=w.rec, claim=claim, position=position, note=HIDDEN)
    w.proposed = StatusChangeFactory(recommendation=w.rec, source="Hoff (2016)")
    w.adopted = StatusChangeFactory(
        recommendation=w.rec,
        status="adopted",
        date=datetime.date(2017, 12, 19),
        date_precision="day",
        source="Cabinet decision",
        policy=w.draft_policy,  # enacted by a policy the public cannot see
    )

    w.draft_rec = RecommendationFactory(
        slug="draft-rec", title=f"A {HIDDEN} recommendation", state=State.DRAFT
    )
    w.withdrawn_rec = RecommendationFactory(
        slug="withdrawn-rec", title=f"A withdrawn {HIDDEN} recommendation", state=State.WITHDRAWN
    )
    for rec in (w.draft_rec, w.withdrawn_rec):
        rec.documents.add(w.paper)
        StatusChangeFactory(recommendation=rec, note=HIDDEN, source=HIDDEN)
        EvidenceFactory(recommendation=rec, claim=w.aegis, note=HIDDEN)
    return w


def bulk_world(n):
    """``n`` published rows of every kind, all related, built with bulk_create."""
    now = timezone.now()
    stamps = {"created_at": now, "updated_at": now}
    topics = Topic.objects.bulk_create(
        Topic(name=f"Topic {i}", slug=f"bulk-topic-{i}", **stamps) for i in range(n)
    )
    actors = Actor.objects.bulk_create(
        Actor(name=f"Actor {i}", slug=f"bulk-actor-{i}", **stamps) for i in range(n)
    )
    published = {"state": State.PUBLISHED, **stamps}
    documents = Document.objects.bulk_create(
        Document(
            title=f"Document {i}",
            slug=f"bulk-document-{i}",
            published_on=datetime.date(2016, 1, 1),
            published_precision="year",
            body=BODY,
            **published,
        )
        for i in range(n)
    )
    claims = Claim.objects.bulk_create(
        Claim(
            document=documents[i],
            quote="Aegis Ashore",
            summary=f"Claim {i}",
            start_offset=69,
            end_offset=81,
            **published,
        )
        for i in range(n)
    )
    policies = Policy.objects.bulk_create(
        Policy(
            title=f"Policy {i}",
            slug=f"bulk-policy-{i}",
            instrument=Policy.Instrument.LAW,
            adopted_on=datetime.date(2015, 9, 19),
            **published,
        )
        for i in range(n)
    )
    recs = Recommendation.objects.bulk_create(
        Recommendation(title=f"Recommendation {i}", slug=f"bulk-rec-{i}", **published)
        for i in range(n)
    )
    through = Claim.topics.through
    through.objects.bulk_create(
        through(claim=c, topic=t) for c, t in zip(claims, topics, strict=True)
    )
    through = Policy.actors.through
    through.objects.bulk_create(
        through(policy=p, actor=a) for p, a in zip(policies, actors, strict=True)
    )
    through = Policy.claims.through
    through.objects.bulk_create(
        through(policy=p, claim=c) for p, c in zip(policies, claims, strict=True)
    )
    for field, target, rows in (
        ("documents", "document", documents),
        ("policies", "policy", policies),
        ("topics", "topic", topics),
        ("actors", "actor", actors),
    ):
        through = getattr(Recommendation, field).through
        through.objects.bulk_create(
            through(**{"recommendation": r, target: row}) for r, row in zip(recs, rows, strict=True)
        )
    Evidence.objects.bulk_create(
        Evidence(recommendation=r, claim=c, **stamps) for r, c in zip(recs, claims, strict=True)
    )
    StatusChange.objects.bulk_create(
        StatusChange(
            recommendation=r,
            status=status,
            date=datetime.date(2016 + k, 1, 1),
            date_precision="year",
            source="Bulk",
            policy=p,
            **stamps,
        )
        for r, p in zip(recs, policies, strict=True)
        for k, status in enumerate(["proposed", "adopted"])
    )
    return SimpleNamespace(
        document=documents[0], claim=claims[0], policy=policies[0], recommendation=recs[0]
    )
