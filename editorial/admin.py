"""The editors' interface."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import Actor, Claim, Document, Evidence, Policy, Recommendation, StatusChange, Topic
from .publishing import State, set_state


@admin.action(description="Publish selected items")
def publish(modeladmin, request, queryset):
    count = set_state(queryset, State.PUBLISHED, user=request.user)
    modeladmin.message_user(request, f"Published {count} item(s).", messages.SUCCESS)


@admin.action(description="Withdraw selected items from the public site")
def withdraw(modeladmin, request, queryset):
    count = set_state(queryset, State.WITHDRAWN, user=request.user)
    modeladmin.message_user(request, f"Withdrew {count} item(s).", messages.SUCCESS)


# Editors paste web addresses; one without a scheme is meant as https.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class PublishableAdmin(SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    actions = [publish, withdraw]
    readonly_fields = ["published_at", "published_by", "created_at", "updated_at", "version"]
    list_filter = ["state"]


@admin.register(Topic, Actor)
class VocabularyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "updated_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ClaimInline(admin.StackedInline):
    model = Claim
    extra = 0
    fields = ["quote", "summary", "kind", "state", "start_offset", "end_offset", "anchor_problem"]
    readonly_fields = ["start_offset", "end_offset", "anchor_problem"]
    show_change_link = True


@admin.register(Document)
class DocumentAdmin(PublishableAdmin):
    list_display = ["title", "published_display", "kind", "publisher", "state", "claim_count"]
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
        ("Record", {"classes": ["collapse"], "fields": PublishableAdmin.readonly_fields}),
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
    list_display = ["__str__", "document", "kind", "state", "anchored"]
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
    ]
    readonly_fields = [
        *PublishableAdmin.readonly_fields,
        "start_offset",
        "end_offset",
        "anchor_problem",
    ]

    @admin.display(description="Quote found", boolean=True)
    def anchored(self, obj):
        return not obj.anchor_problem


@admin.register(Policy)
class PolicyAdmin(PublishableAdmin):
    list_display = ["title", "instrument", "adopted_display", "state"]
    list_filter = ["state", "instrument", "actors"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["actors", "claims"]

    @admin.display(description="Adopted", ordering="adopted_on")
    def adopted_display(self, obj):
        return obj.adopted_display


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["position", "claim", "role", "note"]
    autocomplete_fields = ["claim"]


class StatusChangeInline(admin.StackedInline):
    model = StatusChange
    formfield_overrides = URL_FIELDS
    extra = 0
    fields = [
        ("status", "date", "date_precision", "position"),
        "note",
        ("source", "source_url"),
        "policy",
    ]
    autocomplete_fields = ["policy"]


_STATUS_COLOURS = {
    "proposed": "#555",
    "adopted": "#1a5fb4",
    "in_progress": "#9c6500",
    "implemented": "#26734d",
    "rejected": "#a51d2d",
    "abandoned": "#a51d2d",
    "superseded": "#613583",
}


@admin.register(Recommendation)
class RecommendationAdmin(PublishableAdmin):
    list_display = ["title", "current_status", "state", "evidence_count", "updated_at"]
    list_filter = ["state", "status", "topics", "actors", "documents"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["documents", "actors", "topics", "policies"]
    readonly_fields = [*PublishableAdmin.readonly_fields, "status"]
    inlines = [EvidenceInline, StatusChangeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(evidence_count=Count("evidence"))

    @admin.display(description="Current status", ordering="status")
    def current_status(self, obj):
        return format_html(
            '<strong style="color:{}">{}</strong>',
            _STATUS_COLOURS.get(obj.status, "#555"),
            obj.get_status_display(),
        )

    @admin.display(description="Evidence", ordering="evidence_count")
    def evidence_count(self, obj):
        return obj.evidence_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inline status changes were saved (or deleted) above; derive the status again.
        form.instance.refresh_status()


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["recommendation", "claim", "role", "position"]
    list_filter = ["role"]
    list_select_related = ["recommendation", "claim"]
    search_fields = ["recommendation__title", "claim__quote", "claim__summary"]
    autocomplete_fields = ["recommendation", "claim"]


@admin.register(StatusChange)
class StatusChangeAdmin(SimpleHistoryAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["recommendation", "status", "date_display", "source"]
    list_filter = ["status"]
    list_select_related = ["recommendation"]
    search_fields = ["recommendation__title", "note", "source"]
    autocomplete_fields = ["recommendation", "policy"]
    date_hierarchy = "date"

    @admin.display(description="Date", ordering="date")
    def date_display(self, obj):
        return obj.date_display
