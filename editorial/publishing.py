"""Publication states, the editorial workflow, and the one queryset gate ``.published()``.

Every public view, the API, search, feeds and sitemaps start from
``Model.objects.published()``. Models whose visibility depends on a parent
(a claim on its document) override ``published()`` in their own queryset, so
that the rule is written once, here or next to the model, never in a view.

The workflow is draft → in review → published → withdrawn → draft. The
allowed moves are :data:`TRANSITIONS`, the only place they are written; the
admin's state field, its actions and its buttons all ask :func:`allowed_targets`
and go through :func:`transition` (or :func:`apply_transition` inside a form
save), so no path can skip a rule. Two roles, set up by ``roles.py``:
*Editors* write and submit for review; *Publishers* also publish and withdraw,
which needs the model's ``publish_<model>`` permission. Content that readers
can see is changed only by someone who may publish it (:func:`may_change`):
nothing reaches readers without a publisher's say.

Optimistic locking: every :class:`Tracked` row carries a ``version``; a save
writes ``UPDATE … WHERE version = <the version this instance was loaded
with>`` and raises :class:`EditConflict` when someone saved in between, so
two editors can never silently overwrite each other, whatever the timing.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str
    # Publishing and withdrawing change what readers see: Publishers only.
    needs_publish_permission: bool


TRANSITIONS = (
    Transition(State.DRAFT, State.IN_REVIEW, "Submit for review", False),
    Transition(State.IN_REVIEW, State.DRAFT, "Return to draft", False),
    Transition(State.IN_REVIEW, State.PUBLISHED, "Publish", True),
    Transition(State.PUBLISHED, State.WITHDRAWN, "Withdraw", True),
    Transition(State.WITHDRAWN, State.DRAFT, "Return to draft", False),
)

# A new item starts here; it may be created "in review" (draft → in review).
INITIAL_STATE = State.DRAFT


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=State.PUBLISHED)

    def needs_review(self):
        return self.filter(state=State.IN_REVIEW)


class EditConflict(Exception):
    """Someone saved ``item`` after it was loaded at ``expected_version``."""

    def __init__(self, item, expected_version):
        self.item = item
        self.expected_version = expected_version
        super().__init__(
            f"{type(item).__name__} {item.pk} was changed by someone else "
            f"(it is no longer version {expected_version})."
        )


class Tracked(models.Model):
    """Timestamps and a version number for optimistic locking."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Incremented on every save; a form saved from an older version is refused.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is None or self._state.adding:
            super().save(*args, **kwargs)
            return
        expected = self.version or 0
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "version" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "version"]
        self.version = expected + 1
        self._expected_version = expected
        try:
            super().save(*args, **kwargs)
        except BaseException:
            self.version = expected
            raise
        finally:
            del self._expected_version

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update, *a, **kw):
        # The UPDATE itself checks the version, so the check and the write are
        # one statement: no window for a concurrent save on any database.
        expected = getattr(self, "_expected_version", None)
        if expected is None:
            return super()._do_update(
                base_qs, using, pk_val, values, update_fields, forced_update, *a, **kw
            )
        updated = super()._do_update(
            base_qs.filter(version=expected),
            using,
            pk_val,
            values,
            update_fields,
            forced_update,
            *a,
            **kw,
        )
        if not updated and base_qs.filter(pk=pk_val).exists():
            raise EditConflict(self, expected)
        return updated

    def _get_FIELD_display(self, field):
        # Django's (``get_status_display()`` and the like), with the field's
        # choices made into a dict once, not on every call: the search page
        # shows ten labels, and took 11.05 million instructions a request
        # against 11.39 (callgrind, in-process). The labels stay lazy,
        # translated when shown.
        value = getattr(self, field.attname)
        return force_str(_choice_labels(field).get(make_hashable(value), value), strings_only=True)


@functools.cache
def _choice_labels(field):
    """``{value: label}`` of a field's choices (set when its class is made)."""
    return dict(make_hashable(field.flatchoices))


class Publishable(Tracked):
    """An editorial item that readers see only once it is published."""

    state = models.CharField(
        max_length=16,
        choices=State.choices,
        default=INITIAL_STATE,
        db_index=True,
        help_text="Only published items appear on the public site and in the API.",
    )
    submitted_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it was last submitted for review."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who last submitted it for review.",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.state == State.PUBLISHED


# --- Rules --------------------------------------------------------------------


def transition_between(source, target):
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def publish_permission(model):
    """The permission name that lets a user publish and withdraw ``model``'s items."""
    opts = model._meta
    return f"{opts.app_label}.publish_{opts.model_name}"


def can_publish(user, model):
    return user.has_perm(publish_permission(model))


def _can_edit(user, item):
    opts = item._meta
    action = "add" if item.pk is None else "change"
    return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


def may_transition(user, item, target):
    """Whether ``user`` may move ``item`` from its current state to ``target``."""
    move = transition_between(item.state, target)
    if move is None or not _can_edit(user, item):
        return False
    return not move.needs_publish_permission or can_publish(user, type(item))


def allowed_targets(user, item):
    """The states ``user`` may move ``item`` to, in the order of :data:`TRANSITIONS`."""
    return [
        t.target
        for t in TRANSITIONS
        if t.source == item.state and may_transition(user, item, t.target)
    ]


def refusal(user, item, target):
    """Why ``user`` may not move ``item`` to ``target`` (None if they may)."""
    if may_transition(user, item, target):
        return None
    source, goal = State(item.state).label, State(target).label
    move = transition_between(item.state, target)
    if move is None:
        reachable = [State(t.target).label for t in TRANSITIONS if t.source == item.state]
        return (
            f"An item that is {source.lower()} cannot become {goal.lower()} directly; "
            f"from {source.lower()} it can go to: {', '.join(reachable) or 'nothing'}."
        )
    if move.needs_publish_permission and not can_publish(user, type(item)):
        return (
            f"Only a Publisher may {move.label.lower()} "
            f"{item._meta.verbose_name_plural}; ask one to review it."
        )
    return f"You may not change {item._meta.verbose_name_plural}."


class TransitionRefused(PermissionDenied):
    pass


def governing_item(obj):
    """The publishable item whose state decides who may change ``obj``: the
    item itself, or for a part of one (evidence, a status change) its parent."""
    if isinstance(obj, Publishable):
        return obj
    parent = getattr(type(obj), "publication_parent", None)
    return getattr(obj, parent, None) if parent else None


def may_change(user, obj):
    """Whether ``user`` may change ``obj``'s content (model permissions aside).

    What readers can see is changed only by someone who may publish it, so an
    Editor's edit of a published item cannot go live unreviewed; Editors edit
    drafts, items in review and withdrawn items.
    """
    item = governing_item(obj)
    if item is None or item.pk is None or item.state != State.PUBLISHED:
        return True
    return can_publish(user, type(item))


# --- Writes -------------------------------------------------------------------


def apply_transition(item, target, *, user, when=None):
    """Set ``item``'s state to ``target`` and record who did it and when.

    No checks and no save: for callers that have checked (a validated form,
    :func:`transition`) and save the item themselves.
    """
    when = when or timezone.now()
    item.state = target
    if target == State.IN_REVIEW:
        item.submitted_at, item.submitted_by = when, user
    elif target == State.PUBLISHED:
        item.published_at, item.published_by = when, user


def transition(*, item, target, user, expected_version=None):
    """Move ``item`` to ``target`` on behalf of ``user``, or raise.

    Raises :class:`TransitionRefused` if the workflow or the user's role does
    not allow it, and :class:`EditConflict` if ``expected_version`` is given
    and someone saved the item since (the state they acted on is gone).
    Saves through ``save()``, so the version and the revision history follow.
    """
    reason = refusal(user, item, target)
    if reason:
        raise TransitionRefused(reason)
    with transaction.atomic():
        if expected_version is not None:
            item.version = expected_version
        apply_transition(item, target, user=user)
        item._history_user = user
        item.save()
    return item


def set_state(items, state, *, user=None):
    """Move ``items`` to ``state`` without the workflow's checks; return how
    many changed.

    For trusted code only (imports, management commands, tests that set up a
    situation). Whatever a person does goes through :func:`transition`. Saves
    through ``save()``, so versions and revision history follow, and records
    who published or submitted, and when, like a transition.
    """
    changed = 0
    now = timezone.now()
    for item in items:
        if item.state == state:
            continue
        apply_transition(item, state, user=user, when=now)
        item.save()
        changed += 1
    return changed
