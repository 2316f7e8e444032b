"""The admin side of the editorial workflow: conflict-safe forms, permitted
transitions, one revision per save with readable diffs and revert, and
deletion that says what blocks it and offers withdrawal instead.

The rules themselves live in ``publishing.py`` (states, transitions, who may
change what) and ``history.py`` (revisions, diffs, revert); this module only
connects them to Django's admin, so ``admin.py`` stays a list of what each
model's pages show.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from . import history, publishing
from .publishing import EditConflict, State, TransitionRefused

# --- Forms --------------------------------------------------------------------


class VersionedForm(forms.ModelForm):
    """A form for a ``Tracked`` model that never overwrites a colleague's save.

    It carries, hidden, the version the editor started from. If the item was
    saved since, validation fails with who changed it, when and what, and the
    page is shown again with everything the editor typed; the hidden version
    then becomes the current one, so saving again is a deliberate choice to
    replace the other changes. The save itself is also version-checked in the
    database (``Tracked``), which closes the gap between validation and save.

    For publishable models the state field offers only the user's permitted
    transitions, and a state posted outside them is refused.
    """

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set per request by the admin (main forms) or passed in (inline forms).
    user = None

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.user = user
        self.conflict = None
        self.stored_state = getattr(self.instance, "state", None)
        if not self.instance._state.adding:
            self.fields["base_version"].initial = self.instance.version
        if "state" in self.fields and self.user is not None:
            self._offer_permitted_states()

    def _offer_permitted_states(self):
        field = self.fields["state"]
        current = self.instance.state
        labels = {t.target: t.label for t in publishing.TRANSITIONS if t.source == current}
        choices = [(current, f"{State(current).label} (current state)")]
        for target in publishing.allowed_targets(self.user, self.instance):
            choices.append((target, f"{State(target).label}: {labels[target].lower()}"))
        field.choices = choices
        field.error_messages["invalid_choice"] = (
            "You may not move this item to “%(value)s” from its current state."
        )
        if not any(
            t.source == current and t.needs_publish_permission for t in publishing.TRANSITIONS
        ):
            return
        if not publishing.can_publish(self.user, type(self.instance)):
            field.help_text = "A Publisher reviews items in review and publishes them."

    def clean(self):
        cleaned = super().clean()
        if getattr(self, "deleted_row_report", None):
            raise ValidationError(self.deleted_row_report, code="deleted")
        self._check_version()
        self._check_may_change(cleaned)
        self._check_state(cleaned)
        return cleaned

    def _check_version(self):
        if self.instance._state.adding:
            return
        seen = self.cleaned_data.get("base_version")
        if seen is None:
            raise ValidationError(
                "This form did not say which version of the item you started from; "
                "copy your changes, reload the page and make them again.",
                code="no_version",
            )
        if seen == self.instance.version:
            return
        self.conflict = history.conflict_report(self.instance, seen)
        data = self.data.copy()
        data[self.add_prefix("base_version")] = self.conflict.current_version
        self.data = data
        raise ValidationError(self.conflict.message(), code="conflict")

    def _check_may_change(self, cleaned):
        if self.user is None or not self.has_changed():
            return
        governed = [] if self.instance._state.adding else [self.instance]
        parent_name = getattr(self._meta.model, "publication_parent", None)
        if parent_name and cleaned.get(parent_name) is not None:
            governed.append(cleaned[parent_name])
        for obj in governed:
            if not publishing.may_change(self.user, obj):
                item = publishing.governing_item(obj)
                raise ValidationError(
                    f"Only a Publisher may change the published {item._meta.verbose_name} "
                    f"“{item}”: readers see it. Ask a Publisher to make the change "
                    "or to withdraw it first.",
                    code="published",
                )

    def _check_state(self, cleaned):
        target = cleaned.get("state")
        if self.user is None or target is None or target == self.stored_state:
            return
        reason = publishing.refusal(self.user, self.instance, target)
        if reason:
            self.add_error("state", reason)

    def save(self, commit=True):
        if (
            self.user is not None
            and "state" in self.changed_data
            and self.instance.state != self.stored_state
        ):
            publishing.apply_transition(self.instance, self.instance.state, user=self.user)
        seen = self.cleaned_data.get("base_version")
        if not self.instance._state.adding and seen is not None:
            # The UPDATE then checks the version the editor started from, not
            # the one loaded for this request: a save by someone else at any
            # moment after the page was opened is caught.
            self.instance.version = seen
        return super().save(commit)


class VersionedInlineFormSet(forms.BaseInlineFormSet):
    """Inline rows with the same protection as the main form, plus the two
    cases a single form cannot see: a row deleted by someone else, and a row
    this editor removes although someone changed it meanwhile."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk_name = self.model._meta.pk.name
        if (
            form.is_bound
            and index is not None
            and index < self.initial_form_count()
            and form.instance._state.adding
            and pk_name in form.fields
        ):
            posted = form.data.get(form.add_prefix(pk_name))
            if posted:
                # The row is gone: say so where the editor sees it (the id field is hidden).
                form.deleted_row_report = history.deletion_report(self.model, posted)
                form.fields[pk_name].error_messages["invalid_choice"] = "This row no longer exists."

    def clean(self):
        super().clean()
        problems = []
        for form in self.forms:
            report = getattr(form, "deleted_row_report", None)
            if report and not self._should_delete_form(form):
                # The admin shows only rows that still exist, so what the
                # editor typed into this one is kept here, in the message.
                typed = _typed_values(form)
                problems.append(f"{report} What you entered for it: {typed}." if typed else report)
        for form in self.deleted_forms:
            if form.instance._state.adding or not hasattr(form, "cleaned_data"):
                continue
            seen = form.cleaned_data.get("base_version")
            if seen is not None and seen != form.instance.version:
                report = history.conflict_report(form.instance, seen)
                problems.append(
                    f"You removed “{form.instance}”, but it was changed after you opened "
                    f"the page: {report.message()}"
                )
        if problems:
            raise ValidationError(problems)


def _typed_values(form):
    skip = {"base_version", form._meta.model._meta.pk.name, "DELETE"}
    shown = []
    for name in form.changed_data:
        if name in skip or name not in form.fields:
            continue
        field = form.fields[name]
        value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if value is None:
            value = form.data.get(form.add_prefix(name), "")
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            value = dict(field.choices).get(value, value)
        shown.append(f"{field.label}: “{value}”")
    return "; ".join(shown)


# --- Admin classes ------------------------------------------------------------


def _with_version_field(fieldsets):
    if "base_version" in flatten_fieldsets(fieldsets):
        return fieldsets
    fieldsets = [(name, dict(options)) for name, options in fieldsets]
    name, options = fieldsets[0]
    options["fields"] = [*options["fields"], "base_version"]
    fieldsets[0] = (name, options)
    return fieldsets


class VersionedInline:
    """Mixin for inlines of ``Tracked`` rows that belong to a publishable item."""

    form = VersionedForm
    formset = VersionedInlineFormSet

    def get_fieldsets(self, request, obj=None):
        return _with_version_field(super().get_fieldsets(request, obj))

    def _parent_may_change(self, request, obj):
        return obj is None or publishing.may_change(request.user, obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._parent_may_change(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_may_change(request, obj)


class VersionedAdmin(SimpleHistoryAdmin):
    """Admin for a ``Tracked`` model: conflict-safe saves, one revision per
    save (for models that record revisions), readable history and revert."""

    form = VersionedForm
    object_history_template = "admin/editorial/object_history.html"
    object_history_list_template = "admin/editorial/history_list.html"
    history_list_per_page = 50

    class Media:
        css = {"all": ["editorial/admin.css"]}

    # Forms

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fieldsets(self, request, obj=None):
        return _with_version_field(super().get_fieldsets(request, obj))

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "user": request.user}
        return kwargs

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or publishing.may_change(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or publishing.may_change(request.user, obj)
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A save that lands between our validation and our UPDATE is caught by
        # the UPDATE (EditConflict) and rolled back. Handling the request again
        # lets validation see the new version and refuse with who and when,
        # showing the editor's text as they typed it.
        for _attempt in range(3):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except EditConflict as exc:
                conflict = exc
        raise conflict

    # One revision per save

    def _records_revisions(self, obj):
        return hasattr(type(obj), "_revisions")

    def save_model(self, request, obj, form, change):
        if self._records_revisions(obj):
            # Recorded in save_related(), once the links are saved too.
            obj.skip_history_when_saving = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        form.save_m2m()
        if self._records_revisions(obj):
            obj.__dict__.pop("skip_history_when_saving", None)
            history.record_revision(obj, user=request.user, created=not change)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        self.parts_saved(request, obj)

    def parts_saved(self, request, obj):
        """Hook: the item's inline rows have been saved."""

    # History

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        for index, record in enumerate(records):
            older = records[index + 1] if index + 1 < len(records) else record.prev_record
            record.history_delta_changes = history.changes_between(older, record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One revision: what it changed, what reverting to it would change
        (parts included), and the revert button for those who may edit."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with id {object_id}.")
        if not self.has_view_history_or_change_history_permission(request, obj):
            raise PermissionDenied
        record = obj.history.filter(history_id=version_id).first()
        if record is None:
            raise Http404("No such revision.")
        may_revert = self.has_change_permission(request, obj)
        change_url = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
        )
        if request.method == "POST":
            if not may_revert:
                raise PermissionDenied
            outcome = self._revert(request, obj, record)
            if outcome is not None:
                return outcome
            obj = self.get_object(request, unquote(object_id))
        snap = history.snapshot(record)
        now_values, now_links = history.current_state(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revision of {obj}",
            "opts": self.opts,
            "object": obj,
            "record": record,
            "saved_by": history.who(record.history_user),
            "saved_at": history.when(record.history_date),
            "changes_in_revision": history.changes_between(record.prev_record, record),
            "revert_changes": history.field_changes(
                self.model, now_values, snap.fields, old_links=now_links, new_links=snap.links
            ),
            "parts": history.compare_parts(obj, snap),
            "may_revert": may_revert,
            "base_version": obj.version,
            "change_url": change_url,
            "history_url": reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_history",
                args=[obj.pk],
            ),
            "state_label": State(obj.state).label if hasattr(obj, "state") else None,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/editorial/revision.html", context)

    def _revert(self, request, obj, record):
        try:
            base_version = int(request.POST.get("base_version", ""))
        except ValueError:
            messages.error(request, "The revert form is incomplete; open the revision again.")
            return None
        try:
            history.revert(
                item=obj, record=record, user=request.user, expected_version=base_version
            )
        except ValidationError as exc:
            messages.error(request, "Nothing was reverted: " + " ".join(exc.messages))
            return None
        except EditConflict:
            report = history.conflict_report(obj, base_version)
            messages.error(request, "Nothing was reverted. " + report.message())
            return None
        self.log_change(
            request, obj, f"Reverted to the revision of {history.when(record.history_date)}."
        )
        messages.success(
            request,
            f"Reverted “{obj}” to the revision of {history.when(record.history_date)} "
            f"by {history.who(record.history_user)}. The revert is itself a revision, "
            "so it can be undone from the history.",
        )
        return HttpResponseRedirect(
            reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[obj.pk],
            )
        )


def _state_action(target, name, description, permission):
    def action(modeladmin, request, queryset):
        moved, refused = [], []
        for item in queryset:
            reason = publishing.refusal(request.user, item, target)
            if reason is None:
                try:
                    publishing.transition(item=item, target=target, user=request.user)
                except (TransitionRefused, EditConflict) as exc:
                    reason = str(exc)
            if reason:
                refused.append(f"“{item}”: {reason}")
                continue
            modeladmin.log_change(request, item, f"State: {State(target).label}.")
            moved.append(item)
        if moved:
            modeladmin.message_user(
                request,
                f"{State(target).label}: {len(moved)} {modeladmin.opts.verbose_name_plural}.",
                messages.SUCCESS,
            )
        for line in refused:
            modeladmin.message_user(request, f"Not changed: {line}", messages.WARNING)

    action.__name__ = name
    return admin.action(description=description, permissions=[permission])(action)


class PublishableAdmin(VersionedAdmin):
    """Admin for publishable items: their state, the permitted transitions
    (form, actions), and deletion that offers withdrawal instead."""

    actions = [
        _state_action(State.IN_REVIEW, "submit_for_review", "Submit selected for review", "change"),
        _state_action(State.DRAFT, "return_to_draft", "Return selected to draft", "change"),
        _state_action(State.PUBLISHED, "publish", "Publish selected items", "publish"),
        _state_action(
            State.WITHDRAWN, "withdraw", "Withdraw selected from the public site", "publish"
        ),
    ]
    readonly_fields = [
        "submitted_by",
        "submitted_at",
        "published_by",
        "published_at",
        "created_at",
        "updated_at",
        "version",
    ]
    list_filter = ["state"]
    delete_confirmation_template = "admin/editorial/delete_confirmation.html"

    def has_publish_permission(self, request):
        return publishing.can_publish(request.user, self.model)

    @admin.display(description="State", ordering="state")
    def state_badge(self, obj):
        return format_html(
            '<span class="workflow-state workflow-state--{}">{}</span>',
            obj.state,
            State(obj.state).label,
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id):
        """Move one item to another state (POST ``target`` and the
        ``base_version`` the user saw); used by "Withdraw instead"."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with id {object_id}.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
        )
        target = request.POST.get("target", "")
        try:
            base_version = int(request.POST.get("base_version", ""))
        except ValueError:
            base_version = None
        if target not in State.values or base_version is None:
            messages.error(request, "Nothing changed: the request did not say what to do.")
            return HttpResponseRedirect(change_url)
        try:
            publishing.transition(
                item=obj, target=target, user=request.user, expected_version=base_version
            )
        except TransitionRefused as exc:
            messages.error(request, f"Nothing changed: {exc}")
        except EditConflict:
            report = history.conflict_report(obj, base_version)
            messages.error(request, "Nothing changed. " + report.message())
        else:
            self.log_change(request, obj, f"State: {State(target).label}.")
            messages.success(request, f"“{obj}” is now {State(target).label.lower()}.")
        return HttpResponseRedirect(change_url)

    # Deletion: what blocks it, and withdrawal instead

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for obj in objs:
            protected.extend(_dependent_lines(self.admin_site, obj))
        return deleted, counts, perms_needed, protected

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None and context.get("protected"):
            context["withdrawal"] = _withdrawal_offer(self, request, obj)
        return super().render_delete_form(request, context)


class DependentsProtectedAdmin(VersionedAdmin):
    """For items that are not publishable but that others link to
    (topics, actors): a delete names what uses them."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for obj in objs:
            protected.extend(_dependent_lines(self.admin_site, obj))
        return deleted, counts, perms_needed, protected


def _admin_link(site, obj):
    try:
        url = reverse(
            f"{site.name}:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk]
        )
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, obj)


def _dependent_lines(site, obj):
    from .models import dependents

    lines = []
    for rel, items in dependents(obj):
        for item in items:
            lines.append(
                format_html(
                    "{}: {} (lists it among its {})",
                    capfirst(item._meta.verbose_name),
                    _admin_link(site, item),
                    rel.field.verbose_name,
                )
            )
    return lines


@dataclass
class WithdrawalOffer:
    possible: bool
    explanation: str
    url: str = ""
    version: int = 0


def _withdrawal_offer(model_admin, request, obj):
    opts = obj._meta
    if obj.state != State.PUBLISHED:
        return WithdrawalOffer(
            False,
            f"This {opts.verbose_name} is {State(obj.state).label.lower()}: "
            "readers cannot see it, so there is nothing to withdraw.",
        )
    reason = publishing.refusal(request.user, obj, State.WITHDRAWN)
    if reason:
        return WithdrawalOffer(False, reason)
    return WithdrawalOffer(
        True,
        "Withdrawing takes it off the public site and the API and keeps everything "
        "that depends on it intact; it can be returned to draft and published again.",
        url=reverse(
            f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_transition",
            args=[obj.pk],
        ),
        version=obj.version,
    )


# --- The review queue ---------------------------------------------------------


@dataclass
class ReviewQueue:
    label: str
    items: list
    count: int
    changelist_url: str
    may_publish: bool


def review_queue(user, *, limit=10):
    """Items waiting for review, per publishable model the user may see,
    the longest-waiting first."""
    from .models import Claim, Document, Policy, Recommendation

    queues = []
    for model in (Document, Claim, Policy, Recommendation):
        opts = model._meta
        if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        waiting = (
            model.objects.needs_review()
            .select_related("submitted_by")
            .order_by(models.F("submitted_at").asc(nulls_first=True), "pk")
        )
        items = list(waiting[:limit])
        for item in items:
            item.admin_url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[item.pk]
            )
        count = waiting.count() if len(items) == limit else len(items)
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        queues.append(
            ReviewQueue(
                capfirst(opts.verbose_name_plural),
                items,
                count,
                f"{changelist}?state__exact={State.IN_REVIEW}",
                publishing.can_publish(user, model),
            )
        )
    return queues
