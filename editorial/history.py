"""Revision history: who changed what and when, readable diffs, and revert.

Built on django-simple-history, which keeps a historical table per model
(Evidence and StatusChange included). Three things are added here:

- **One revision per edit.** An admin save touches the item, its
  many-to-many links and its inline rows; simple-history alone would record
  the item once on ``save()`` (with the *old* links) and again for every link
  change. The admin instead records the item once, after its links are saved
  and before its inline rows are (:func:`record_revision`).
- **Revisions include their parts.** A recommendation's evidence and status
  history live in their own tables. The parts that belong to revision R are
  those as they stood until the item's next revision (or now, for the
  latest): :func:`snapshot`. That is what :func:`revert` restores.
- **Conflict reports** for optimistic locking: who saved after the version
  an editor started from, when, and which fields they changed.
"""

import difflib
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ForeignKey, Max
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from simple_history.models import HistoricalRecords
from simple_history.utils import get_m2m_reverse_field_name

# Fields that a revert never touches: the workflow moves only through
# publishing.transition(), so an Editor cannot publish by reverting.
WORKFLOW_FIELDS = {"state"}

_MAX_REASON = 100  # simple-history's change reason column


class Revisions(HistoricalRecords):
    """``HistoricalRecords`` that the model can reach, so that code can
    record a revision at the right moment (:func:`record_revision`)."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            sender._revisions = self


def record_revision(item, *, user=None, reason=None, created=False):
    """Record ``item`` as it is now (fields and many-to-many links) as one revision."""
    if user is not None:
        item._history_user = user
    if reason:
        item._change_reason = reason[:_MAX_REASON]
    try:
        type(item)._revisions.create_historical_record(item, "+" if created else "~")
    finally:
        item.__dict__.pop("_change_reason", None)


def who(user):
    if user is None:
        return "a script or import (no signed-in user)"
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def when(moment):
    return format_date(timezone.localtime(moment), "j F Y, H:i:s T")


# --- Snapshots ----------------------------------------------------------------


def content_fields(model):
    """The fields a revert restores: what editors write, not derived values,
    timestamps, versions or the workflow state."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in WORKFLOW_FIELDS
    ]


def _child_relations(model):
    """(accessor, child model, foreign key to the parent) for each part."""
    relations = []
    for accessor in getattr(model, "revision_children", ()):
        rel = model._meta.get_field(accessor)
        relations.append((accessor, rel.related_model, rel.field))
    return relations


def _child_fields(child_model, parent_fk):
    return [f for f in content_fields(child_model) if f.name != parent_fk.name]


@dataclass
class Snapshot:
    """An item as it was at one revision: its fields, links and parts."""

    record: object
    fields: dict = field(default_factory=dict)  # attname -> value
    links: dict = field(default_factory=dict)  # m2m name -> set of pks
    parts: dict = field(default_factory=dict)  # accessor -> {pk: {attname: value}}


def _parts_as_of(item_model, item_pk, accessor, child_model, parent_fk, cutoff):
    fields = _child_fields(child_model, parent_fk)
    if cutoff is None:
        rows = child_model._default_manager.filter(**{parent_fk.attname: item_pk})
    else:
        rows = child_model.history.as_of(cutoff).filter(**{parent_fk.attname: item_pk})
    return {row.pk: {f.attname: getattr(row, f.attname) for f in fields} for row in rows}


def snapshot(record):
    """The item of historical ``record`` as it was: its own fields and links
    from the record, and its parts as they stood until the item's next
    revision (the parts saved with an edit follow the item's record)."""
    model = record.instance_type
    snap = Snapshot(record=record)
    for f in content_fields(model):
        snap.fields[f.attname] = getattr(record, f.attname)
    for m2m in record._history_m2m_fields:
        target = get_m2m_reverse_field_name(m2m)
        snap.links[m2m.name] = set(getattr(record, m2m.name).values_list(f"{target}_id", flat=True))
    following = record.next_record
    # as_of() includes its moment; the next revision's own parts come after it.
    cutoff = following.history_date - timedelta(microseconds=1) if following else None
    item_pk = getattr(record, model._meta.pk.attname)
    for accessor, child_model, fk in _child_relations(model):
        snap.parts[accessor] = _parts_as_of(model, item_pk, accessor, child_model, fk, cutoff)
    return snap


# --- Diffs --------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


def inline_diff(old, new, *, context=10):
    """Word-level diff of two texts as safe HTML: deletions in ``<del>``,
    insertions in ``<ins>``, long unchanged runs shortened to their ends."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            run = a[i1:i2]
            if len(run) > 2 * context + 1:
                run = [*run[:context], " \u2026 ", *run[-context:]]
                if i1 == 0:
                    run = run[-context:]
                elif i2 == len(a):
                    run = run[: context + 1]
            parts.append(escape("".join(run)))
            continue
        if op in ("delete", "replace"):
            parts.append(format_html("<del>{}</del>", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(format_html("<ins>{}</ins>", "".join(b[j1:j2])))
    return mark_safe("".join(str(p) for p in parts))  # every piece escaped above


def display_value(model, field_name, value):
    """A field's value as an editor reads it: choice labels, object names,
    lists of names for links."""
    model_field = model._meta.get_field(field_name)
    if model_field.many_to_many:
        target = model_field.related_model
        names = [str(o) for o in target._base_manager.filter(pk__in=value)]
        return ", ".join(sorted(names)) or "(none)"
    if isinstance(model_field, ForeignKey):
        if value is None:
            return "(none)"
        obj = model_field.related_model._base_manager.filter(pk=value).first()
        return str(obj) if obj is not None else f"(deleted #{value})"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if value in (None, ""):
        return "(empty)"
    return str(value)


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str

    @property
    def diff(self):
        return inline_diff(self.old, self.new)


def field_changes(model, old_values, new_values, *, old_links=None, new_links=None):
    """The fields that differ between two states of a ``model`` item, in
    the model's field order, as :class:`FieldChange` items."""
    changes = []
    for f in content_fields(model):
        before, after = old_values.get(f.attname), new_values.get(f.attname)
        if before != after:
            changes.append(
                FieldChange(
                    f.name,
                    capfirst(f.verbose_name),
                    display_value(model, f.name, before),
                    display_value(model, f.name, after),
                )
            )
    for name in sorted(set(old_links or {}) | set(new_links or {})):
        before, after = (old_links or {}).get(name, set()), (new_links or {}).get(name, set())
        if before != after:
            label = capfirst(model._meta.get_field(name).verbose_name)
            changes.append(
                FieldChange(
                    name,
                    label,
                    display_value(model, name, before),
                    display_value(model, name, after),
                )
            )
    return changes


def record_values(record):
    model = record.instance_type
    return {f.attname: getattr(record, f.attname) for f in content_fields(model)}


def record_links(record):
    return {
        m2m.name: set(
            getattr(record, m2m.name).values_list(
                f"{get_m2m_reverse_field_name(m2m)}_id", flat=True
            )
        )
        for m2m in record._history_m2m_fields
    }


def current_state(item):
    """``item``'s content fields and links as they are now, shaped like a
    :class:`Snapshot`'s, so that the two can be compared."""
    values = {f.attname: getattr(item, f.attname) for f in content_fields(type(item))}
    links = {
        m2m.name: set(getattr(item, m2m.name).values_list("pk", flat=True))
        for m2m in type(item).history.model._history_m2m_fields
    }
    return values, links


def changes_between(old_record, new_record):
    """What an editor changed from ``old_record`` to ``new_record`` (None: created)."""
    model = new_record.instance_type
    if old_record is None:
        return []
    return field_changes(
        model,
        record_values(old_record),
        record_values(new_record),
        old_links=record_links(old_record),
        new_links=record_links(new_record),
    )


def describe_part(child_model, values):
    """One line for a part (an evidence link, a status change) as it was."""
    instance = child_model(**values)
    try:
        return str(instance)
    except ObjectDoesNotExist:
        return f"{capfirst(child_model._meta.verbose_name)} citing an item since deleted"


@dataclass
class PartsComparison:
    label: str
    then: list
    now: list

    @property
    def same(self):
        return self.then == self.now


def compare_parts(item, snap):
    """Each kind of part at the revision and now, as lines an editor reads."""
    comparisons = []
    for accessor, child_model, fk in _child_relations(type(item)):
        current = _parts_as_of(type(item), item.pk, accessor, child_model, fk, None)

        def lines(rows, child_model=child_model, fk=fk):
            ordered = sorted(rows.items(), key=lambda kv: (kv[1].get("position", 0), kv[0]))
            return [describe_part(child_model, {fk.attname: item.pk, **v}) for _, v in ordered]

        comparisons.append(
            PartsComparison(
                capfirst(child_model._meta.verbose_name_plural),
                lines(snap.parts.get(accessor, {})),
                lines(current),
            )
        )
    return comparisons


# --- Conflicts ----------------------------------------------------------------


@dataclass
class ConflictReport:
    noun: str
    saves: list  # [(who, when)] after the version the editor started from
    changed: list  # field labels that differ between then and now
    current_version: int

    def message(self):
        if self.saves:
            by = "; ".join(f"{name} at {moment}" for name, moment in self.saves)
            head = f"This {self.noun} was changed after you opened it, by {by}."
        else:
            head = f"This {self.noun} was changed after you opened it."
        if self.changed:
            what = f" They changed: {', '.join(self.changed)}."
        else:
            what = " Its own fields are as you found them (rows of it may have changed)."
        return (
            f"{head}{what} Nothing was saved. Your text is still in the form: "
            "compare it with the current version (open it in a new tab), then save "
            "again to replace their changes with yours, or reload to discard yours."
        )


def conflict_report(item, seen_version):
    """Who saved ``item`` after ``seen_version``, when, and what changed."""
    history = item.history.all()
    later = list(
        history.filter(version__gt=seen_version)
        .select_related("history_user")
        .order_by("history_date")
    )
    base = history.filter(version__lte=seen_version).order_by("-history_date").first()
    changed = [c.label for c in changes_between(base, later[-1])] if base and later else []
    saves = []
    for record in later:
        entry = (who(record.history_user), when(record.history_date))
        if not saves or saves[-1][0] != entry[0]:
            saves.append(entry)
        else:
            saves[-1] = entry  # the same person saving twice: their latest save
    fresh = type(item)._default_manager.filter(pk=item.pk).values_list("version", flat=True)
    return ConflictReport(
        noun=str(item._meta.verbose_name),
        saves=saves,
        changed=changed,
        current_version=fresh.first() or item.version,
    )


def deletion_report(model, pk):
    """Who deleted row ``pk`` of ``model`` and when, as a sentence."""
    record = (
        model.history.filter(**{model._meta.pk.attname: pk}, history_type="-")
        .select_related("history_user")
        .order_by("-history_date")
        .first()
    )
    noun = model._meta.verbose_name
    if record is None:
        return f"This {noun} was deleted after you opened the page."
    return (
        f"This {noun} was deleted by {who(record.history_user)} at "
        f"{when(record.history_date)}, after you opened the page. Nothing was saved; "
        "reload the page to see the current rows (copy anything you typed first)."
    )


# --- Revert -------------------------------------------------------------------


def _require_targets(model, values, what):
    """Refuse, in an editor's words, to restore a reference to something
    that has since been deleted."""
    for f in content_fields(model):
        value = values.get(f.attname)
        missing = (
            isinstance(f, ForeignKey)
            and value is not None
            and not f.related_model._base_manager.filter(pk=value).exists()
        )
        if missing:
            raise ValidationError(
                f"{what}: the {f.verbose_name} it referred to (#{value}) has since been "
                "deleted, so that revision cannot be restored as it was."
            )


def _restore_parts(item, snap, *, user, reason):
    for accessor, child_model, fk in _child_relations(type(item)):
        wanted = snap.parts.get(accessor, {})
        current = {row.pk: row for row in getattr(item, accessor).all()}
        fields = _child_fields(child_model, fk)
        # Removals first, so a restored link never collides with one going away.
        for pk, row in current.items():
            if pk not in wanted:
                row._history_user, row._change_reason = user, reason
                row.delete()
        for pk, values in wanted.items():
            row = current.get(pk)
            if row is not None and all(
                getattr(row, f.attname) == values[f.attname] for f in fields
            ):
                continue
            _require_targets(child_model, values, capfirst(child_model._meta.verbose_name))
            if row is None:
                # Re-created under its old id, so its history continues; a
                # version above any it had, so no form from before can save it.
                seen = child_model.history.filter(**{child_model._meta.pk.attname: pk})
                row = child_model(pk=pk, **{fk.attname: item.pk})
                row.version = (seen.aggregate(top=Max("version"))["top"] or 0) + 1
            for name, value in values.items():
                setattr(row, name, value)
            setattr(row, fk.name, item)
            try:
                row.full_clean()
            except ValidationError as exc:
                label = describe_part(child_model, values)
                raise ValidationError([f"{label}: {message}" for message in exc.messages]) from None
            row._history_user, row._change_reason = user, reason
            row.save(force_insert=row._state.adding)
            row.__dict__.pop("_change_reason", None)


def revert(*, item, record, user, expected_version):
    """Make ``item`` what it was at historical ``record``: its fields, its
    links, and its parts (a recommendation's evidence and status history).

    The workflow state is kept (reverting is an edit, not a publication), and
    the revert is itself a new revision, so it can be undone the same way.
    Raises :class:`ValidationError` when the old revision cannot be restored
    as it was (a claim it cited was deleted, its slug is now taken, its quote
    no longer occurs in the document), and ``publishing.EditConflict`` when
    someone saved the item after ``expected_version``. All or nothing.
    """
    snap = snapshot(record)
    model = type(item)
    reason = f"Reverted to the revision of {when(record.history_date)}"
    with transaction.atomic():
        _require_targets(model, snap.fields, f"This {model._meta.verbose_name}")
        for name, value in snap.fields.items():
            setattr(item, name, value)
        for name, pks in snap.links.items():
            target = model._meta.get_field(name).related_model
            missing = pks - set(
                target._base_manager.filter(pk__in=pks).values_list("pk", flat=True)
            )
            if missing:
                raise ValidationError(
                    f"{capfirst(model._meta.get_field(name).verbose_name)}: "
                    f"{len(missing)} item(s) linked at that revision have since been deleted."
                )
        item.full_clean()
        item.version = expected_version
        item._history_user = user
        if hasattr(model, "_revisions"):
            # One revision for the item with its restored links (see record_revision).
            item.skip_history_when_saving = True
            try:
                item.save()
                for name, pks in snap.links.items():
                    getattr(item, name).set(pks)
            finally:
                del item.skip_history_when_saving
            record_revision(item, user=user, reason=reason)
        else:
            item._change_reason = reason[:_MAX_REASON]
            try:
                item.save()
                for name, pks in snap.links.items():
                    getattr(item, name).set(pks)
            finally:
                del item._change_reason
        try:
            _restore_parts(item, snap, user=user, reason=reason)
        except IntegrityError:
            raise ValidationError(
                "The parts of that revision could not be restored as they were "
                "(they clash with the current ones); restore them by hand."
            ) from None
        if hasattr(item, "refresh_status"):
            item.refresh_status()
    return item
