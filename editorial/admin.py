"""The editors' interface.

What each model's pages show. The workflow (states, transitions, conflict-safe
saves, history and revert, protected deletes) comes from the base classes in
``workflow.py``.
"""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.html import format_html

from .history import when
from .models import Actor, Claim, Document, Evidence, Policy, Recommendation, StatusChange, Topic
from .workflow import (
    DependentsProtectedAdmin,
    PublishableAdmin,
    VersionedAdmin,
    VersionedInline,
)

# Editors paste web addresses; one without a scheme is meant as https.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}

RECORD_FIELDS = PublishableAdmin.readonly_fields


@admin.register(Topic, Actor)
class VocabularyAdmin(DependentsProtectedAdmin):
    list_display = ["name", "slug", "updated_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ClaimInline(VersionedInline, admin.StackedInline):
    model = Claim
    extra = 0
    fields = ["quote", "summary", "kind", "state", "start_offset", "end_offset", "anchor_problem"]
    readonly_fields = ["start_offset", "end_offset", "anchor_problem"]
    show_change_link = True


@admin.register(Document)
class DocumentAdmin(PublishableAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["title", "published_display", "kind", "publisher", "state_badge", "claim_count"]
    list_filter = ["state", "kind", "language"]
    search_fields = ["title", "authors", "publisher", "identifier", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"
    inlines = [ClaimInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "authors", "kind", "language", "state"]}),
        (
            "Publication",
            {
                "fields": [
                    ("published_on", "published_precision"),
                    "publisher",
                    "series",
                    "identifier",
                    "url",
                ]
            },
        ),
        ("Text", {"fields": ["abstract", "body", "notes"]}),
        ("Record", {"classes": ["collapse"], "fields": RECORD_FIELDS}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="Published", ordering="published_on")
    def published_display(self, obj):
        return obj.published_display

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, obj):
        return obj.claim_count


@admin.register(Claim)
class ClaimAdmin(PublishableAdmin):
    list_display = ["__str__", "document", "kind", "state_badge", "anchored"]
    list_filter = ["state", "kind", "document", "topics"]
    list_select_related = ["document"]
    search_fields = ["quote", "summary", "document__title"]
    autocomplete_fields = ["document", "topics"]
    fields = [
        "document",
        "quote",
        "summary",
        "kind",
        "topics",
        "state",
        ("start_offset", "end_offset"),
        "anchor_problem",
        *RECORD_FIELDS,
    ]
    readonly_fields = [*RECORD_FIELDS, "start_offset", "end_offset", "anchor_problem"]

    @admin.display(description="Quote found", boolean=True)
    def anchored(self, obj):
        return not obj.anchor_problem


@admin.register(Policy)
class PolicyAdmin(PublishableAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["title", "instrument", "adopted_display", "state_badge"]
    list_filter = ["state", "instrument", "actors"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["actors", "claims"]

    @admin.display(description="Adopted", ordering="adopted_on")
    def adopted_display(self, obj):
        return obj.adopted_display


class EvidenceInline(VersionedInline, admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["position", "claim", "role", "note"]
    autocomplete_fields = ["claim"]


class StatusChangeInline(VersionedInline, admin.StackedInline):
    model = StatusChange
    formfield_overrides = URL_FIELDS
    extra = 0
    fields = [
        ("status", "date", "date_precision", "position"),
        "note",
        ("source", "source_url"),
        "policy",
        "recorded",
    ]
    readonly_fields = ["recorded"]
    autocomplete_fields = ["policy"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_recorded_by()

    @admin.display(description="Recorded by")
    def recorded(self, obj):
        return _recorded(obj)


def _recorded(obj):
    name = getattr(obj, "recorded_by_name", None)
    moment = getattr(obj, "recorded_at", None)
    if moment is None:
        return "—"
    return f"{name or 'a script or import (no signed-in user)'}, {when(moment)}"


@admin.register(Recommendation)
class RecommendationAdmin(PublishableAdmin):
    list_display = ["title", "current_status", "state_badge", "evidence_count", "updated_at"]
    list_filter = ["state", "status", "topics", "actors", "documents"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["documents", "actors", "topics", "policies"]
    readonly_fields = [*RECORD_FIELDS, "status"]
    inlines = [EvidenceInline, StatusChangeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_count=Count("evidence"))

    @admin.display(description="Current status", ordering="status")
    def current_status(self, obj):
        # A class, not an inline style: the Content-Security-Policy allows no inline styles.
        return format_html(
            '<strong class="recommendation-status recommendation-status--{}">{}</strong>',
            obj.status,
            obj.get_status_display(),
        )

    @admin.display(description="Evidence", ordering="evidence_count")
    def evidence_count(self, obj):
        return obj.evidence_count

    def parts_saved(self, request, obj):
        # Inline status changes were saved (or deleted); derive the status again.
        obj.refresh_status()


@admin.register(Evidence)
class EvidenceAdmin(VersionedAdmin):
    list_display = ["recommendation", "claim", "role", "position"]
    list_filter = ["role"]
    list_select_related = ["recommendation", "claim"]
    search_fields = ["recommendation__title", "claim__quote", "claim__summary"]
    autocomplete_fields = ["recommendation", "claim"]


@admin.register(StatusChange)
class StatusChangeAdmin(VersionedAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["recommendation", "status", "date_display", "source", "recorded"]
    list_filter = ["status"]
    list_select_related = ["recommendation"]
    search_fields = ["recommendation__title", "note", "source"]
    autocomplete_fields = ["recommendation", "policy"]
    readonly_fields = ["recorded"]
    date_hierarchy = "date"

    def get_queryset(self, request):
        return super().get_queryset(request).with_recorded_by()

    @admin.display(description="Date", ordering="date")
    def date_display(self, obj):
        return obj.date_display

    @admin.display(description="Recorded by")
    def recorded(self, obj):
        return _recorded(obj)
