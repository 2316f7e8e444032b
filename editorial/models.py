"""The content model: documents, the claims they make, the policies they
discuss and the recommendations they propose, with evidence and status history.

Invariants live in the database as named constraints and are mirrored in
``clean()`` so that editors see a friendly message instead of an error page.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, OuterRef, ProtectedError, Q, Subquery
from django.db.models.signals import post_delete, pre_delete
from simple_history.models import HistoricalRecords

from . import quotes
from .dates import Precision, display_at_precision, precision_condition, precision_error
from .freshness import ContentStampQuerySet
from .history import Revisions
from .links import url_for
from .publishing import Publishable, PublishableQuerySet, State, Tracked


def _check_precision(instance, date_field, precision_field):
    message = precision_error(getattr(instance, date_field), getattr(instance, precision_field))
    if message:
        raise ValidationError({date_field: message})


class Vocabulary(Tracked):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, help_text="Used in URLs and API filters.")
    description = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Topic(Vocabulary):
    depended_on_by = ("claims", "recommendations")

    history = HistoricalRecords()

    class Meta(Vocabulary.Meta):
        constraints = [models.UniqueConstraint(fields=["slug"], name="topic_slug_unique")]


class Actor(Vocabulary):
    depended_on_by = ("policies", "recommendations")

    history = HistoricalRecords()

    class Meta(Vocabulary.Meta):
        constraints = [models.UniqueConstraint(fields=["slug"], name="actor_slug_unique")]


class Document(Publishable):
    class Kind(models.TextChoices):
        PAPER = "paper", "Paper"
        JOURNAL_ARTICLE = "journal_article", "Journal article"
        BRIEF = "brief", "Brief"
        REPORT = "report", "Report"
        BOOK = "book", "Book"
        CHAPTER = "chapter", "Book chapter"
        TESTIMONY = "testimony", "Testimony"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, help_text="Used in the document's URL.")
    authors = models.TextField(blank=True, help_text="One author per line, as printed.")
    publisher = models.CharField(max_length=200, blank=True)
    series = models.CharField(max_length=200, blank=True)
    identifier = models.CharField(
        max_length=100, blank=True, help_text="Report number, issue or DOI, as printed."
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.PAPER)
    language = models.CharField(max_length=16, default="en", help_text="An ISO 639 code.")
    published_on = models.DateField(
        help_text="The first day of the period if only the year or month is known."
    )
    published_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    url = models.URLField(max_length=500, blank=True, verbose_name="URL")
    abstract = models.TextField(blank=True)
    body = models.TextField(help_text="The full text, exactly as received.")
    notes = models.TextField(blank=True, help_text="Editors' notes; not shown to readers.")

    # Recommendations name the documents that propose them.
    depended_on_by = ("recommendations",)

    history = Revisions()

    class Meta:
        ordering = ["-published_on", "title"]
        # Lists page through published rows in this order: an index serves it.
        indexes = [
            models.Index(
                fields=["-published_on", "title", "id"],
                condition=Q(state="published"),
                name="document_published_order",
            ),
        ]
        permissions = [("publish_document", "Can publish and withdraw documents")]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="document_slug_unique"),
            models.CheckConstraint(
                condition=precision_condition("published_on", "published_precision"),
                name="document_published_on_matches_precision",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return url_for("editorial:document-detail", slug=self.slug)

    def clean(self):
        _check_precision(self, "published_on", "published_precision")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_body = instance.__dict__.get("body")
        return instance

    def save(self, *args, **kwargs):
        body_changed = getattr(self, "_saved_body", None) not in (None, self.body)
        with transaction.atomic():
            super().save(*args, **kwargs)
            # Editing the text re-checks every claim on it, whichever path
            # (admin, importer, shell) made the edit: an anchor must never
            # silently point at text that is no longer there.
            if body_changed:
                self.recheck_claims()
        self._saved_body = self.body

    def recheck_claims(self):
        """Re-anchor every claim against the current body; return the claims
        whose quote no longer occurs (flagged for editors)."""
        changed = []
        for claim in self.claims.all():
            if claim.reanchor(self.body):
                changed.append(claim)
        Claim.objects.bulk_update(changed, ["start_offset", "end_offset", "anchor_problem"])
        return [claim for claim in changed if claim.anchor_problem]

    @property
    def author_list(self):
        return [line.strip() for line in self.authors.splitlines() if line.strip()]

    @property
    def published_display(self):
        return display_at_precision(self.published_on, self.published_precision)


class ClaimQuerySet(PublishableQuerySet):
    def published(self):
        """Published claims of published documents: nothing else is visible."""
        return self.filter(state=State.PUBLISHED, document__state=State.PUBLISHED)


class Claim(Publishable):
    class Kind(models.TextChoices):
        FACT = "fact", "Fact"
        ASSESSMENT = "assessment", "Assessment"
        FORECAST = "forecast", "Forecast"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="claims")
    quote = models.TextField(
        help_text="Verbatim from the document. White space, quote marks and dashes may differ."
    )
    start_offset = models.PositiveIntegerField(editable=False, default=0)
    end_offset = models.PositiveIntegerField(editable=False, default=0)
    anchor_problem = models.TextField(
        blank=True,
        editable=False,
        help_text="Set when the document's text changed and the quote no longer matches.",
    )
    summary = models.CharField(max_length=300, help_text="One line, in the editor's words.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ASSESSMENT)
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")

    # Policies list the claims that discuss them (evidence protects itself).
    depended_on_by = ("policies",)

    objects = ClaimQuerySet.as_manager()
    history = Revisions(m2m_fields=[topics])

    class Meta:
        ordering = ["document", "start_offset"]
        indexes = [
            models.Index(
                fields=["document", "start_offset", "id"],
                condition=Q(state="published"),
                name="claim_published_order",
            ),
        ]
        permissions = [("publish_claim", "Can publish and withdraw claims")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_offset__gt=F("start_offset")),
                name="claim_offsets_in_order",
            ),
        ]

    def __str__(self):
        text = self.summary or self.quote
        return text if len(text) <= 80 else text[:79] + "\u2026"

    def get_absolute_url(self):
        return url_for("editorial:claim-detail", pk=self.pk)

    @property
    def needs_attention(self):
        return bool(self.anchor_problem)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_anchor = (
            instance.__dict__.get("document_id"),
            instance.__dict__.get("quote"),
        )
        instance._saved_text = (instance.__dict__.get("summary"), instance.__dict__.get("quote"))
        return instance

    def clean(self):
        if (self.summary, self.quote) != getattr(self, "_saved_text", None):
            # (The text as stored fits: the database checked it.)
            self._check_vector_size()
        if self.document_id is None or not self.quote:
            return
        if (self.document_id, self.quote) == getattr(self, "_saved_anchor", None):
            # The quote as stored, which this edit leaves alone: if the text no
            # longer holds it (its document was edited, in this same form or
            # before), it is flagged, as the document's save flags it, and the
            # editor's other changes are saved; only a quote the editor typed
            # must be found.
            self.reanchor(self.document.body)
            return
        try:
            found = quotes.anchor(self.document.body, self.quote, near=self.start_offset or None)
        except quotes.QuoteNotFound as exc:
            raise ValidationError({"quote": exc.message}) from None
        self.start_offset, self.end_offset = found.start, found.end
        self.anchor_problem = ""

    def _check_vector_size(self):
        """The check constraint ``claim_vector_fits`` (PostgreSQL), said
        before the database refuses the row (see ``search.CLAIM_VECTOR_BYTES``)."""
        from . import search

        size = search.claim_vector_bytes(self.summary, self.quote)
        if size is not None and size > search.CLAIM_VECTOR_BYTES:
            raise ValidationError(
                {
                    "quote": (
                        "This quote is too long to be searched: quote the passage that "
                        "makes the claim (with its summary, about 2,000 characters of "
                        f"ordinary text at most; this one's search entry is {size:,} bytes, "
                        f"the limit {search.CLAIM_VECTOR_BYTES:,})."
                    )
                }
            )

    def reanchor(self, body):
        """Check the quote against a document's new ``body``.

        The same words found again keep (or move with) their anchor; a quote
        that no longer occurs keeps its old offsets and is flagged, so an
        editor decides. Returns True if anything changed.
        """
        try:
            found = quotes.anchor(body, self.quote, near=self.start_offset)
        except quotes.QuoteNotFound as exc:
            problem = exc.message
            changed = problem != self.anchor_problem
            self.anchor_problem = problem
            return changed
        changed = (found.start, found.end, self.anchor_problem) != (
            self.start_offset,
            self.end_offset,
            "",
        )
        self.start_offset, self.end_offset, self.anchor_problem = found.start, found.end, ""
        return changed


class Policy(Publishable):
    class Instrument(models.TextChoices):
        LAW = "law", "Law"
        CABINET_DECISION = "cabinet_decision", "Cabinet decision"
        GUIDELINES = "guidelines", "Guidelines"
        STRATEGY = "strategy", "Strategy"
        ORGANISATION = "organisation", "Organisation"
        AGREEMENT = "agreement", "Agreement"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200)
    instrument = models.CharField(max_length=32, choices=Instrument.choices)
    adopted_on = models.DateField(null=True, blank=True)
    adopted_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    actors = models.ManyToManyField(Actor, blank=True, related_name="policies")
    summary = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True, verbose_name="URL")
    claims = models.ManyToManyField(
        Claim, blank=True, related_name="policies", help_text="Claims that discuss this policy."
    )

    depended_on_by = ("recommendations",)

    history = Revisions(m2m_fields=[actors, claims])

    class Meta:
        ordering = ["-adopted_on", "title"]
        indexes = [
            models.Index(
                fields=["-adopted_on", "title", "id"],
                condition=Q(state="published"),
                name="policy_published_order",
            ),
        ]
        verbose_name_plural = "policies"
        permissions = [("publish_policy", "Can publish and withdraw policies")]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="policy_slug_unique"),
            models.CheckConstraint(
                condition=precision_condition("adopted_on", "adopted_precision", nullable=True),
                name="policy_adopted_on_matches_precision",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return url_for("editorial:policy-detail", slug=self.slug)

    def clean(self):
        _check_precision(self, "adopted_on", "adopted_precision")

    @property
    def adopted_display(self):
        return display_at_precision(self.adopted_on, self.adopted_precision)


class Status(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ADOPTED = "adopted", "Adopted"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    REJECTED = "rejected", "Rejected"
    ABANDONED = "abandoned", "Abandoned"
    SUPERSEDED = "superseded", "Superseded"


class Recommendation(Publishable):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200)
    summary = models.TextField(blank=True)
    documents = models.ManyToManyField(
        Document, related_name="recommendations", help_text="The document(s) that propose it."
    )
    actors = models.ManyToManyField(
        Actor, blank=True, related_name="recommendations", help_text="Who it is addressed to."
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="recommendations")
    policies = models.ManyToManyField(Policy, blank=True, related_name="recommendations")
    claims = models.ManyToManyField(Claim, through="Evidence", related_name="recommendations")
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.PROPOSED,
        editable=False,
        db_index=True,
        help_text="Derived: the status of the latest status change.",
    )
    # Derived too: since when (the latest change's date), so that a list's
    # status badges need no look-up per row.
    status_date = models.DateField(null=True, blank=True, editable=False)
    status_date_precision = models.CharField(
        max_length=5, choices=Precision.choices, blank=True, editable=False
    )

    # Its parts: restored with it when an editor reverts to an earlier revision.
    revision_children = ("evidence", "status_changes")

    history = Revisions(m2m_fields=[documents, actors, topics, policies])

    class Meta:
        ordering = ["title"]
        permissions = [("publish_recommendation", "Can publish and withdraw recommendations")]
        indexes = [
            models.Index(
                fields=["title", "id"],
                condition=Q(state="published"),
                name="recommendation_published_order",
            ),
            models.Index(
                fields=["status", "title", "id"],
                condition=Q(state="published"),
                name="recommendation_by_status",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="recommendation_slug_unique"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return url_for("editorial:recommendation-detail", slug=self.slug)

    def latest_status_change(self):
        return self.status_changes.order_by("-date", "-position", "-pk").first()

    def refresh_status(self):
        """Derive ``status`` and its date from the latest status change,
        without touching the version or the history (it is not an editor's edit)."""
        latest = self.latest_status_change()
        derived = {
            "status": latest.status if latest else Status.PROPOSED,
            "status_date": latest.date if latest else None,
            "status_date_precision": latest.date_precision if latest else "",
        }
        if any(getattr(self, name) != value for name, value in derived.items()):
            Recommendation.objects.filter(pk=self.pk).update(**derived)
            for name, value in derived.items():
                setattr(self, name, value)


class Evidence(Tracked):
    class Role(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        QUALIFIES = "qualifies", "Qualifies"
        OPPOSES = "opposes", "Opposes"

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="evidence"
    )
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SUPPORTS)
    note = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the page.")

    # Part of its recommendation: who may change it follows the recommendation's state.
    publication_parent = "recommendation"

    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "position", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "claim"],
                name="evidence_unique_recommendation_claim",
                violation_error_message="This claim is already linked to this recommendation.",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.claim}"


class StatusChangeQuerySet(models.QuerySet):
    def with_recorded_by(self):
        """Annotate who recorded each change and when (``recorded_by_name``,
        ``recorded_at``), from its first revision: a status change on a
        recommendation is always attributable to an editor."""
        first = StatusChange.history.filter(id=OuterRef("pk"), history_type="+").order_by(
            "history_date"
        )
        return self.annotate(
            recorded_by_name=Subquery(first.values("history_user__username")[:1]),
            recorded_at=Subquery(first.values("history_date")[:1]),
        )


class StatusChange(Tracked):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    date = models.DateField(help_text="The first day of the period if only year or month is known.")
    date_precision = models.CharField(
        max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    note = models.TextField(blank=True, help_text="What happened, in a sentence or two.")
    source = models.CharField(
        max_length=500, help_text="Who announced it and when, e.g. 'Japan MOD, 24 June 2020'."
    )
    source_url = models.URLField(max_length=500, blank=True, verbose_name="source URL")
    policy = models.ForeignKey(
        Policy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_changes",
        help_text="The policy that enacted this change, if any.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Orders changes recorded on the same date."
    )

    publication_parent = "recommendation"

    objects = StatusChangeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "date", "position", "pk"]
        # "Recent status changes" read this index backwards.
        indexes = [models.Index(fields=["date", "position", "id"], name="statuschange_chronology")]
        constraints = [
            models.CheckConstraint(
                condition=precision_condition("date", "date_precision"),
                name="statuschange_date_matches_precision",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} ({self.date_display})"

    def clean(self):
        _check_precision(self, "date", "date_precision")

    @property
    def date_display(self):
        return display_at_precision(self.date, self.date_precision)

    def save(self, *args, **kwargs):
        # A change moved to another recommendation leaves the first one's
        # history too: both statuses follow.
        moved_from = (
            StatusChange.objects.filter(pk=self.pk)
            .exclude(recommendation=self.recommendation_id)
            .values_list("recommendation", flat=True)
            .first()
            if self.pk
            else None
        )
        super().save(*args, **kwargs)
        self.recommendation.refresh_status()
        if moved_from is not None:
            Recommendation.objects.get(pk=moved_from).refresh_status()


def refresh_status_after_deletion(sender, instance, **kwargs):
    """The recommendation's status follows a deleted change, whichever path
    (admin, "delete selected", shell, queryset) deleted it. (Deleting the
    recommendation itself deletes its changes first: it still exists here.)"""
    recommendation = Recommendation.objects.filter(pk=instance.recommendation_id).first()
    if recommendation is not None:
        recommendation.refresh_status()


post_delete.connect(
    refresh_status_after_deletion,
    sender=StatusChange,
    dispatch_uid="editorial_refresh_status_after_deletion",
)


# --- What others depend on ------------------------------------------------------


def dependents(obj):
    """The items that use ``obj`` through a many-to-many link (a recommendation
    naming a document as its source, a policy citing a claim), as
    ``[(relation, [the first 50 items])]``. Foreign keys protect themselves (PROTECT);
    these links would otherwise vanish silently with ``obj``."""
    found = []
    for accessor in getattr(type(obj), "depended_on_by", ()):
        items = list(getattr(obj, accessor).all()[:50])
        if items:
            found.append((type(obj)._meta.get_field(accessor), items))
    return found


def refuse_deleting_what_others_use(sender, instance, **kwargs):
    """Deleting an item that others link to is refused, whichever path
    (admin, shell, queryset) deletes it: withdraw it instead."""
    found = dependents(instance)
    if found:
        names = "; ".join(
            f"{rel.related_model._meta.verbose_name_plural}: {', '.join(map(str, items[:5]))}"
            for rel, items in found
        )
        raise ProtectedError(
            f"Cannot delete {instance._meta.verbose_name} “{instance}”: it is used by {names}.",
            {item for _, items in found for item in items},
        )


# Connected per model, so that deleting anything else keeps Django's fast path.
for _model in (Document, Claim, Policy, Topic, Actor):
    pre_delete.connect(
        refuse_deleting_what_others_use,
        sender=_model,
        dispatch_uid=f"editorial_refuse_deleting_{_model.__name__}",
    )


class ContentStamp(models.Model):
    """One row: the archive's version, moved forward by every editorial write
    (see ``editorial.freshness``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()

    objects = ContentStampQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="contentstamp_single_row"),
        ]

    def __str__(self):
        return f"version {self.version} at {self.changed_at:%Y-%m-%d %H:%M:%S}"
