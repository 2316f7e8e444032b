"""Generate a synthetic archive at scale, for benchmarks and query-count tests.

Why: the curated seed has three documents; performance must be measured at a
real archive's size (thousands of papers, a hundred thousand claims). The
texts are long and built from the alliance's vocabulary so that anchoring,
highlighting and full-text search do real work. Every claim quotes a sentence
of its document at known offsets; every recommendation has evidence and a
dated, sourced status history.

Rows are written with bulk inserts in one transaction; generated slugs start
with ``gen-`` so ``--clear`` removes exactly what an earlier run made.
"""

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from editorial import freshness
from editorial.dates import Precision
from editorial.models import (
    Actor,
    Claim,
    Document,
    Evidence,
    Policy,
    Recommendation,
    Status,
    StatusChange,
    Topic,
)
from editorial.publishing import State

PREFIX = "gen-"

SUBJECTS = [
    "The alliance",
    "Japan",
    "The United States",
    "Tokyo",
    "Washington",
    "The Ministry of Defense",
    "The Japan Self-Defense Forces",
    "The Maritime Self-Defense Force",
    "U.S. Forces Japan",
    "The National Security Council",
    "The Diet",
    "The Pentagon",
    "South Korea",
    "Australia",
    "The Cabinet",
    "Regional partners",
    "The bilateral planning staff",
    "Seoul",
    "Canberra",
]
VERBS = [
    "should expand",
    "must strengthen",
    "has improved",
    "will need to fund",
    "could deploy",
    "ought to integrate",
    "continues to debate",
    "has struggled to coordinate",
    "should reform",
    "is likely to prioritise",
    "would benefit from",
    "has postponed",
    "needs to accelerate",
    "should formalise",
    "may reconsider",
    "has begun to test",
]
OBJECTS = [
    "ballistic missile defense",
    "space situational awareness",
    "cyber-threat information sharing",
    "joint exercises",
    "the Alliance Coordination Mechanism",
    "amphibious capabilities",
    "anti-submarine warfare",
    "defense equipment transfers",
    "intelligence cooperation",
    "a common operating picture",
    "maritime domain awareness",
    "host-nation support",
    "trilateral cooperation with South Korea",
    "the defense budget",
    "long-range strike",
    "integrated air and missile defense",
    "liaison staff",
    "logistics support",
    "reserve forces",
    "satellite resilience",
    "electronic warfare",
    "command and control",
    "Aegis-equipped vessels",
    "the Guidelines for Defense Cooperation",
    "collective self-defense",
    "gray-zone contingencies",
]
QUALIFIERS = [
    "in the East China Sea",
    "on the Korean Peninsula",
    "before the next review",
    "within existing budgets",
    "despite domestic opposition",
    "under the 2015 Guidelines",
    "with Southeast Asian partners",
    "in peacetime and in crisis",
    "over the coming decade",
    "at the operational level",
    "as North Korea's missile programme advances",
    "while China modernises its forces",
    "through the Acquisition, Technology and Logistics Agency",
    "without revising the constitution",
    "as public opinion shifts",
]
SOURCES = [
    "Japan Ministry of Defense, press release",
    "Cabinet Office, decision",
    "U.S. Department of Defense, statement",
    "Jiji Press",
    "Yonhap",
    "Japan Times",
    "Joint statement of the Security Consultative Committee",
]


class Command(BaseCommand):
    help = "Generate a synthetic archive (documents, claims, recommendations) at scale."

    def add_arguments(self, parser):
        parser.add_argument("--documents", type=int, default=200)
        parser.add_argument("--claims", type=int, default=10_000)
        parser.add_argument("--recommendations", type=int, default=1_000)
        parser.add_argument("--policies", type=int, default=None, help="Default: documents / 10.")
        parser.add_argument("--seed", type=int, default=2016, help="Random seed (repeatable).")
        parser.add_argument(
            "--clear", action="store_true", help="Delete earlier generated rows first."
        )
        parser.add_argument(
            "--draft-share",
            type=float,
            default=0.02,
            help="Share of items left unpublished, so gates are exercised (default 0.02).",
        )

    def handle(
        self, *, documents, claims, recommendations, policies, seed, clear, draft_share, **options
    ):
        if documents < 1 or claims < documents or recommendations < 1:
            raise CommandError(
                "Need at least one document, one claim per document and one recommendation."
            )
        if not 0 <= draft_share < 1:
            raise CommandError("--draft-share must be in [0, 1).")
        self.rng = random.Random(seed)
        self.draft_share = draft_share
        self.quiet = options["verbosity"] < 1
        policies = policies if policies is not None else max(1, documents // 10)
        started = time.monotonic()
        with transaction.atomic():
            if clear:
                self.clear()
            elif Document.objects.filter(slug__startswith=PREFIX).exists():
                raise CommandError("Generated rows exist already; use --clear to replace them.")
            topics, actors = self.vocabularies()
            docs = self.make_documents(documents, claims)
            claim_rows = self.make_claims(docs, claims, topics)
            policy_rows = self.make_policies(policies, actors, claim_rows)
            self.make_recommendations(
                recommendations, docs, claim_rows, policy_rows, topics, actors
            )
            # Bulk inserts and raw deletes send no signals: say so once.
            freshness.touch()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {documents} documents, {claims} claims, {policies} policies and "
                f"{recommendations} recommendations in {elapsed:.1f} s."
            )
        )

    # -- helpers ---------------------------------------------------------------

    def progress(self, total, desc):
        return tqdm(
            total=total,
            desc=desc,
            unit="row",
            disable=self.quiet,
            file=self.stderr._out,
            mininterval=0.5,
        )

    def insert(self, model, rows, desc, batch_size=2000):
        """bulk_create in batches, with a progress bar: inserting is the slow part."""
        bar = self.progress(len(rows), desc)
        created = []
        for i in range(0, len(rows), batch_size):
            batch = rows[i : i + batch_size]
            created.extend(model.objects.bulk_create(batch))
            bar.update(len(batch))
        bar.close()
        return created

    def state(self):
        return State.DRAFT if self.rng.random() < self.draft_share else State.PUBLISHED

    def sentence(self):
        rng = self.rng
        return (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(QUALIFIERS)}, and {rng.choice(OBJECTS)} {rng.choice(QUALIFIERS)}."
        )

    def clear(self):
        """Delete what an earlier run generated, in dependency order.

        Raw deletes on purpose: generated rows have no history (they were bulk
        inserted), and going through ``Model.delete()`` would fetch each of
        100,000 claims to write a "deleted" history row for it.
        """
        rec = {"recommendation__slug__startswith": PREFIX}
        doc = {"document__slug__startswith": PREFIX}
        deletions = [
            (Evidence.objects, rec),
            (StatusChange.objects, rec),
            *(
                (getattr(Recommendation, n).through.objects, rec)
                for n in ("documents", "actors", "topics", "policies")
            ),
            (Policy.claims.through.objects, {"claim__document__slug__startswith": PREFIX}),
            (Policy.claims.through.objects, {"policy__slug__startswith": PREFIX}),
            (Policy.actors.through.objects, {"policy__slug__startswith": PREFIX}),
            (Claim.topics.through.objects, {"claim__document__slug__startswith": PREFIX}),
            (Recommendation.objects, {"slug__startswith": PREFIX}),
            (Policy.objects, {"slug__startswith": PREFIX}),
            (Claim.objects, doc),
            (Document.objects, {"slug__startswith": PREFIX}),
            (Topic.objects, {"slug__startswith": PREFIX}),
            (Actor.objects, {"slug__startswith": PREFIX}),
        ]
        for manager, condition in deletions:
            queryset = manager.filter(**condition)
            queryset._raw_delete(queryset.db)

    def vocabularies(self):
        topics = Topic.objects.bulk_create(
            [
                Topic(slug=f"{PREFIX}topic-{i}", name=f"{obj[:1].upper()}{obj[1:]} ({i})")
                for i, obj in enumerate(OBJECTS)
            ]
        )
        actors = Actor.objects.bulk_create(
            [
                Actor(slug=f"{PREFIX}actor-{i}", name=f"{name} ({i})")
                for i, name in enumerate(
                    [
                        "United States",
                        "Japan",
                        "Republic of Korea",
                        "Australia",
                        "Philippines",
                        "Vietnam",
                        "India",
                        "Taiwan",
                    ]
                )
            ]
        )
        return topics, actors

    def make_documents(self, count, claims):
        """Documents long enough to hold their claims, and then some."""
        per_doc = -(-claims // count)
        sentences_per_doc = max(120, per_doc * 3)
        now = timezone.now()
        docs = []
        self.sentence_spans = []
        for i in range(count):
            sentences = [self.sentence() for _ in range(sentences_per_doc)]
            body, spans = self.compose(sentences)
            self.sentence_spans.append(spans)
            year = self.rng.randint(1995, 2025)
            precision = self.rng.choice([Precision.YEAR, Precision.MONTH, Precision.DAY])
            published = datetime.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            if precision == Precision.YEAR:
                published = published.replace(month=1, day=1)
            elif precision == Precision.MONTH:
                published = published.replace(day=1)
            docs.append(
                Document(
                    slug=f"{PREFIX}doc-{i}",
                    title=f"{self.rng.choice(OBJECTS).capitalize()} and the alliance: paper {i}",
                    authors=f"Author {i % 97}\nAuthor {(i * 7) % 89}",
                    publisher=self.rng.choice(
                        [
                            "Sasakawa Peace Foundation USA",
                            "CSIS",
                            "RAND",
                            "Congressional Research Service",
                        ]
                    ),
                    kind=self.rng.choice(Document.Kind.values),
                    published_on=published,
                    published_precision=precision,
                    abstract=" ".join(sentences[:3]),
                    body=body,
                    state=self.state(),
                    published_at=now,
                )
            )
        return self.insert(Document, docs, "Documents", batch_size=100)

    @staticmethod
    def compose(sentences, per_paragraph=5):
        """Join sentences into paragraphs; return the text and each sentence's span."""
        parts, spans, offset = [], [], 0
        for j, sentence in enumerate(sentences):
            if j:
                sep = "\n\n" if j % per_paragraph == 0 else " "
                parts.append(sep)
                offset += len(sep)
            parts.append(sentence)
            spans.append((offset, offset + len(sentence)))
            offset += len(sentence)
        return "".join(parts), spans

    def make_claims(self, docs, count, topics):
        """Each claim quotes a whole sentence of its document, anchored exactly."""
        rows = []
        now = timezone.now()
        per_doc = [
            count // len(docs) + (1 if i < count % len(docs) else 0) for i in range(len(docs))
        ]
        for doc, spans, n in zip(docs, self.sentence_spans, per_doc, strict=True):
            for start, end in sorted(self.rng.sample(spans, min(n, len(spans)))):
                quote = doc.body[start:end]
                rows.append(
                    Claim(
                        document=doc,
                        quote=quote,
                        start_offset=start,
                        end_offset=end,
                        summary=quote[:120].rstrip(",. ") + ".",
                        kind=self.rng.choice(Claim.Kind.values),
                        state=self.state(),
                        published_at=now,
                    )
                )
        claims = self.insert(Claim, rows, "Claims")
        through = Claim.topics.through
        through.objects.bulk_create(
            [through(claim_id=c.pk, topic_id=self.rng.choice(topics).pk) for c in claims],
            batch_size=5000,
        )
        return claims

    def make_policies(self, count, actors, claims):
        now = timezone.now()
        policies = Policy.objects.bulk_create(
            [
                Policy(
                    slug=f"{PREFIX}policy-{i}",
                    title=f"{self.rng.choice(OBJECTS).capitalize()} programme {i}",
                    instrument=self.rng.choice(Policy.Instrument.values),
                    adopted_on=datetime.date(self.rng.randint(1995, 2025), 1, 1),
                    adopted_precision=Precision.YEAR,
                    summary=self.sentence(),
                    state=self.state(),
                    published_at=now,
                )
                for i in range(count)
            ]
        )
        actor_through = Policy.actors.through
        actor_through.objects.bulk_create(
            [actor_through(policy_id=p.pk, actor_id=self.rng.choice(actors).pk) for p in policies]
        )
        claim_through = Policy.claims.through
        claim_through.objects.bulk_create(
            [claim_through(policy_id=p.pk, claim_id=self.rng.choice(claims).pk) for p in policies]
        )
        return policies

    def make_recommendations(self, count, docs, claims, policies, topics, actors):
        rng = self.rng
        now = timezone.now()
        claims_by_doc = {}
        for claim in claims:
            claims_by_doc.setdefault(claim.document_id, []).append(claim)
        recs, proposers, histories = [], [], []
        for i in range(count):
            doc = docs[i % len(docs)]
            history = self.status_history(doc)
            recs.append(
                Recommendation(
                    slug=f"{PREFIX}rec-{i}",
                    title=f"{rng.choice(VERBS).split()[-1].capitalize()} {rng.choice(OBJECTS)} "
                    f"{rng.choice(QUALIFIERS)} ({i})",
                    summary=" ".join(self.sentence() for _ in range(3)),
                    status=history[-1][0],
                    status_date=history[-1][1],
                    status_date_precision=history[-1][2],
                    state=self.state(),
                    published_at=now,
                )
            )
            proposers.append(doc)
            histories.append(history)
        recs = self.insert(Recommendation, recs, "Recommendations")

        evidence, changes = [], []
        m2m = {"documents": [], "actors": [], "topics": [], "policies": []}
        for rec, doc, history in zip(recs, proposers, histories, strict=True):
            m2m["documents"].append((rec.pk, doc.pk))
            m2m["actors"].extend((rec.pk, a.pk) for a in rng.sample(actors, 2))
            m2m["topics"].extend((rec.pk, t.pk) for t in rng.sample(topics, 2))
            if policies:
                m2m["policies"].append((rec.pk, rng.choice(policies).pk))
            pool = claims_by_doc.get(doc.pk, [])
            for position, claim in enumerate(rng.sample(pool, min(len(pool), rng.randint(2, 5)))):
                role = rng.choices(Evidence.Role.values, weights=[6, 2, 1])[0]
                evidence.append(
                    Evidence(
                        recommendation_id=rec.pk, claim_id=claim.pk, role=role, position=position
                    )
                )
            for position, (status, date, precision) in enumerate(history):
                changes.append(
                    StatusChange(
                        recommendation_id=rec.pk,
                        status=status,
                        date=date,
                        date_precision=precision,
                        note=self.sentence(),
                        source=f"{rng.choice(SOURCES)}, {date.year}",
                        position=position,
                    )
                )
        self.insert(Evidence, evidence, "Evidence")
        self.insert(StatusChange, changes, "Status changes")
        for name, pairs in m2m.items():
            through = getattr(Recommendation, name).through
            column = through._meta.get_field(
                {
                    "documents": "document",
                    "actors": "actor",
                    "topics": "topic",
                    "policies": "policy",
                }[name]
            ).attname
            through.objects.bulk_create(
                [through(recommendation_id=r, **{column: o}) for r, o in pairs], batch_size=5000
            )

    def status_history(self, doc):
        """A plausible sequence of (status, date, precision), starting with the proposal."""
        rng = self.rng
        date = doc.published_on
        history = [(Status.PROPOSED, date, doc.published_precision)]
        path = rng.choice(
            [
                [],
                [Status.ADOPTED],
                [Status.ADOPTED, Status.IN_PROGRESS],
                [Status.ADOPTED, Status.IN_PROGRESS, Status.IMPLEMENTED],
                [Status.REJECTED],
                [Status.ADOPTED, Status.ABANDONED],
                [Status.ADOPTED, Status.ABANDONED, Status.SUPERSEDED],
            ]
        )
        for status in path:
            date = date + datetime.timedelta(days=rng.randint(40, 900))
            history.append((status, date, Precision.DAY))
        return history
