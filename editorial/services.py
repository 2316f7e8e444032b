"""Writes that span models, shared by the admin, the API and the commands.

Each function is keyword-only, validates with ``full_clean()`` and runs in a
transaction, so a failure leaves nothing half-written.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .dates import PartialDate
from .models import (
    Actor,
    Claim,
    Document,
    Evidence,
    Policy,
    Recommendation,
    StatusChange,
    Topic,
)
from .publishing import State


class ImportProblem(Exception):
    """A file that cannot be imported; the message names the file and the problem."""

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def _describe(exc):
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in exc.message_dict.items()
        )
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def upsert(model, lookup, values, *, m2m=None, state=None):
    """Create or update the ``model`` row matching ``lookup`` with ``values``.

    Saves only when something differs, so re-running an import changes
    nothing (no new version, no new history row). ``m2m`` maps a relation
    name to the objects it should hold. Returns ``(obj, created, changed)``.
    """
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup)
    changed = created
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if state is not None and obj.state != state:
        obj.state = state
        if state == State.PUBLISHED:
            obj.published_at = timezone.now()
        changed = True
    if changed:
        obj.full_clean()
        obj.save()
    for name, targets in (m2m or {}).items():
        relation = getattr(obj, name)
        wanted = {target.pk for target in targets}
        if set(relation.values_list("pk", flat=True)) != wanted:
            relation.set(targets)
            changed = True
    return obj, created, changed


# --- Documents ----------------------------------------------------------------

_DOCUMENT_FIELDS = {
    "title",
    "authors",
    "publisher",
    "series",
    "identifier",
    "published",
    "kind",
    "language",
    "notes",
    "slug",
    "url",
    "abstract",
}


@dataclass
class ParsedDocument:
    path: str
    slug: str
    values: dict = field(default_factory=dict)


class _DatesAsTextLoader(yaml.SafeLoader):
    """YAML's safe loader with dates left as text, for ``PartialDate`` to read:
    it names the key and the problem, where YAML's own conversion failed with
    a bare ``ValueError`` on an impossible date (an unquoted 2020-02-30)."""


_DatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(text):
    return yaml.load(text, Loader=_DatesAsTextLoader)  # a SafeLoader: no Python objects


def parse_document_file(path):
    """Read a Markdown file with YAML front matter into document values.

    Raises :class:`ImportProblem` naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(path, f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportProblem(
            path, f"is not valid UTF-8 (undecodable byte at position {exc.start})"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportProblem(path, f"contains a NUL character (line {line})")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ImportProblem(path, "has no front matter (the first line must be '---')")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ImportProblem(path, "front matter is not closed by a '---' line") from None
    try:
        meta = _load_yaml("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ImportProblem(path, f"front matter is not valid YAML{where}: {problem}") from None
    if not isinstance(meta, dict):
        raise ImportProblem(path, "front matter must be a mapping of keys to values")
    body = "\n".join(lines[end + 1 :]).strip("\n")

    unknown = sorted(str(key) for key in set(meta) - _DOCUMENT_FIELDS)
    if unknown:
        raise ImportProblem(path, f"unknown front matter key(s): {', '.join(unknown)}")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ImportProblem(path, "front matter has no title")
    kind = str(meta.get("kind") or Document.Kind.PAPER)
    if kind not in Document.Kind.values:
        raise ImportProblem(
            path, f"unknown kind {kind!r} (expected one of {', '.join(Document.Kind.values)})"
        )
    if "published" not in meta:
        raise ImportProblem(path, "front matter has no 'published' date")
    try:
        published = PartialDate.parse(str(meta["published"]))
    except ValueError as exc:
        raise ImportProblem(path, f"bad 'published' date: {exc}") from None
    authors = meta.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise ImportProblem(path, "'authors' must be a list of names")
    if not body.strip():
        raise ImportProblem(path, "has no text after the front matter")

    slug = str(meta.get("slug") or path.stem)
    if slugify(slug) != slug:
        raise ImportProblem(path, f"slug {slug!r} is not a valid slug (try {slugify(slug)!r})")
    values = {
        "title": title.strip(),
        "authors": "\n".join(a.strip() for a in authors if a.strip()),
        "publisher": str(meta.get("publisher") or ""),
        "series": str(meta.get("series") or ""),
        "identifier": str(meta.get("identifier") or ""),
        "kind": kind,
        "language": str(meta.get("language") or "en"),
        "published_on": published.date,
        "published_precision": published.precision,
        "url": str(meta.get("url") or ""),
        "abstract": str(meta.get("abstract") or "") or _abstract_from(body),
        "notes": str(meta.get("notes") or ""),
        "body": body,
    }
    return ParsedDocument(path=str(path), slug=slug, values=values)


def _abstract_from(body):
    """The paragraph that follows an "Abstract" heading, if the text has one."""
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    for i, paragraph in enumerate(paragraphs[:-1]):
        if paragraph.lstrip("#").strip().lower() == "abstract":
            return " ".join(paragraphs[i + 1].split())
    return ""


def import_document(*, parsed, state=None):
    """Create or update the document ``parsed`` describes, by slug, in one
    transaction. Returns ``(document, created, changed)``."""
    try:
        with transaction.atomic():
            return upsert(
                Document,
                {"slug": parsed.slug},
                parsed.values,
                state=state,
            )
    except ValidationError as exc:
        raise ImportProblem(parsed.path, _describe(exc)) from None


# --- The curated seed data set ------------------------------------------------


def _require(mapping, key, context):
    if key not in mapping or mapping[key] in (None, ""):
        raise ValidationError(f"{context}: '{key}' is required")
    return mapping[key]


def _lookup(index, slug, kind, context):
    try:
        return index[slug]
    except KeyError:
        raise ValidationError(f"{context}: unknown {kind} {slug!r}") from None


def load_seed(*, path, state=State.PUBLISHED):
    """Load the curated data set (topics, actors, claims, policies,
    recommendations with evidence and status history) from a YAML file.

    Documents must have been imported first. Everything is one transaction:
    a problem anywhere leaves the database as it was. Idempotent. Returns a
    dict of counts of created and changed rows per model.
    """
    path = Path(path)
    try:
        data = _load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportProblem(path, f"cannot be loaded: {exc}") from None
    stats = {}

    def count(model, created, changed):
        entry = stats.setdefault(model.__name__, {"created": 0, "changed": 0})
        entry["created"] += int(created)
        entry["changed"] += int(changed and not created)

    try:
        with transaction.atomic():
            topics, actors, claims, policies = {}, {}, {}, {}
            for model, index, key in ((Topic, topics, "topics"), (Actor, actors, "actors")):
                for item in data.get(key, []):
                    slug = _require(item, "slug", key)
                    obj, created, changed = upsert(
                        model,
                        {"slug": slug},
                        {
                            "name": _require(item, "name", slug),
                            "description": item.get("description", ""),
                        },
                    )
                    index[slug] = obj
                    count(model, created, changed)

            documents = {d.slug: d for d in Document.objects.all()}
            for item in data.get("claims", []):
                key = _require(item, "key", "claim")
                document = _lookup(documents, _require(item, "document", key), "document", key)
                obj, created, changed = upsert(
                    Claim,
                    {"document": document, "quote": _require(item, "quote", key)},
                    {
                        "summary": _require(item, "summary", key),
                        "kind": item.get("kind", Claim.Kind.ASSESSMENT),
                    },
                    m2m={
                        "topics": [_lookup(topics, t, "topic", key) for t in item.get("topics", [])]
                    },
                    state=state,
                )
                if key in claims:
                    raise ValidationError(f"claim key {key!r} is used twice")
                claims[key] = obj
                count(Claim, created, changed)

            for item in data.get("policies", []):
                slug = _require(item, "slug", "policy")
                adopted = PartialDate.parse(item["adopted_on"]) if item.get("adopted_on") else None
                obj, created, changed = upsert(
                    Policy,
                    {"slug": slug},
                    {
                        "title": _require(item, "title", slug),
                        "instrument": _require(item, "instrument", slug),
                        "adopted_on": adopted.date if adopted else None,
                        "adopted_precision": adopted.precision if adopted else "day",
                        "summary": item.get("summary", ""),
                        "url": item.get("url", ""),
                    },
                    m2m={
                        "actors": [
                            _lookup(actors, a, "actor", slug) for a in item.get("actors", [])
                        ],
                        "claims": [
                            _lookup(claims, c, "claim", slug) for c in item.get("claims", [])
                        ],
                    },
                    state=state,
                )
                policies[slug] = obj
                count(Policy, created, changed)

            for item in data.get("recommendations", []):
                _load_recommendation(
                    item, documents, actors, topics, policies, claims, state, count
                )
    except ValidationError as exc:
        raise ImportProblem(path, _describe(exc)) from None
    except ValueError as exc:
        raise ImportProblem(path, str(exc)) from None
    return stats


def _load_recommendation(item, documents, actors, topics, policies, claims, state, count):
    slug = _require(item, "slug", "recommendation")
    recommendation, created, changed = upsert(
        Recommendation,
        {"slug": slug},
        {"title": _require(item, "title", slug), "summary": item.get("summary", "")},
        m2m={
            "documents": [
                _lookup(documents, d, "document", slug) for d in _require(item, "documents", slug)
            ],
            "actors": [_lookup(actors, a, "actor", slug) for a in item.get("actors", [])],
            "topics": [_lookup(topics, t, "topic", slug) for t in item.get("topics", [])],
            "policies": [_lookup(policies, p, "policy", slug) for p in item.get("policies", [])],
        },
        state=state,
    )
    count(Recommendation, created, changed)

    for position, entry in enumerate(item.get("evidence", [])):
        claim = _lookup(claims, _require(entry, "claim", slug), "claim", slug)
        _obj, created, changed = upsert(
            Evidence,
            {"recommendation": recommendation, "claim": claim},
            {
                "role": entry.get("role", Evidence.Role.SUPPORTS),
                "note": entry.get("note") or "",
                "position": position,
            },
        )
        count(Evidence, created, changed)

    for position, entry in enumerate(item.get("status_history", [])):
        when = PartialDate.parse(_require(entry, "date", slug))
        policy_slug = entry.get("policy") or ""
        _obj, created, changed = upsert(
            StatusChange,
            {
                "recommendation": recommendation,
                "status": _require(entry, "status", slug),
                "date": when.date,
                "date_precision": when.precision,
            },
            {
                "note": entry.get("note") or "",
                "source": _require(entry, "source", slug),
                "source_url": entry.get("source_url") or "",
                "position": position,
                "policy": _lookup(policies, policy_slug, "policy", slug) if policy_slug else None,
            },
        )
        count(StatusChange, created, changed)
