"""Representations of the published content.

Serializers only shape data: which rows are visible is decided by the
querysets in ``views.py`` (all built on ``.published()``), so a nested
relation here shows exactly what its prefetch let through.

Every item carries ``url`` (its API address) and, where the public site has a
page for it, ``html_url``. Dates known to a year, month or day are ISO strings
at that precision ("2016", "2022-12", "2017-12-19") next to their precision.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.encoding import iri_to_uri
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..dates import iso_at_precision
from ..links import url_for
from ..models import (
    Actor,
    Claim,
    Document,
    Evidence,
    Policy,
    Recommendation,
    StatusChange,
    Topic,
)

PARTIAL_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


PLACEHOLDER = "0123456789"


@lru_cache(maxsize=64)
def _site_path(model, attribute, prefix, urlconf):
    """The model's ``get_absolute_url()`` for the placeholder key (a model
    instance per call costs more than the rest of a link). Keyed on the
    script prefix and URL configuration, as ``links.url_for`` is."""
    return model(**{attribute: PLACEHOLDER}).get_absolute_url()


@lru_cache(maxsize=256)
def _link_template(kind, target, attribute, origin, prefix, urlconf):
    """``(before, after)`` of a link of ``kind`` ("api": a route's name;
    "site": a model's page) at ``origin`` (scheme and host): the same for
    every request with that origin, script prefix and URL configuration."""
    if kind == "api":
        path = url_for(target, **{attribute: PLACEHOLDER})
    else:
        path = _site_path(target, attribute, prefix, urlconf)
    # What request.build_absolute_uri(path) gives for a path from the root.
    return tuple(iri_to_uri(f"{origin}{path}").rsplit(PLACEHOLDER, 1))


class Links:
    """Absolute URLs for one request, without a ``reverse()`` per row.

    Each kind of link is built once with a placeholder key (an API route by
    its name; a site page by the model's own ``get_absolute_url()``, so the
    site's URLs can change freely), and kept for the request's origin; the
    URL of every row is then that template with its key put in. Slugs and
    ids need no escaping: the URL patterns accept only ``[-a-zA-Z0-9_]``.
    """

    PLACEHOLDER = PLACEHOLDER

    def __init__(self, request):
        self.request = request
        self._where = None  # (origin, script prefix, URL configuration)

    @classmethod
    def of(cls, request):
        links = getattr(request, "_api_links", None)
        if links is None:
            links = request._api_links = cls(request)
        return links

    @property
    def origin(self):
        """``scheme://host`` of the request (as ``build_absolute_uri`` writes it)."""
        return self._place()[0]

    def _place(self):
        if self._where is None:
            # The same for the whole request: read once, not once per kind of link.
            origin = self.request.build_absolute_uri("/")[:-1]
            self._where = (origin, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        return self._where

    def _template(self, kind, target, attribute):
        return _link_template(kind, target, attribute, *self._place())

    def api_parts(self, viewname, kwarg):
        """``(before, after)``: the API URL of any key is ``before + key + after``."""
        return self._template("api", viewname, kwarg)

    def site_parts(self, model, attribute):
        """``(before, after)``: the site URL of any key is ``before + key + after``."""
        return self._template("site", model, attribute)

    def api(self, viewname, kwarg, key):
        before, after = self.api_parts(viewname, kwarg)
        return f"{before}{key}{after}"

    def site(self, model, attribute, key):
        before, after = self.site_parts(model, attribute)
        return f"{before}{key}{after}"


@extend_schema_field({"type": "string", "format": "uri", "readOnly": True})
class ApiLinkField(serializers.Field):
    """The object's address in the API, by slug or by id."""

    def __init__(self, viewname, *, key="slug", **kwargs):
        self.viewname, self.key = viewname, key
        kwargs.update(source="*", read_only=True, help_text="This item in the API.")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        links = Links.of(self.context["request"])
        return links.api(self.viewname, self.key, getattr(obj, self.key))


@extend_schema_field({"type": "string", "format": "uri", "readOnly": True})
class SiteLinkField(serializers.Field):
    """The object's page on the public site (its ``get_absolute_url()``)."""

    def __init__(self, *, key="slug", **kwargs):
        self.key = key
        kwargs.update(source="*", read_only=True, help_text="This item's page on the public site.")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        links = Links.of(self.context["request"])
        return links.site(type(obj), self.key, getattr(obj, self.key))


def api_link(name, key="slug"):
    return ApiLinkField(f"api:{name}-detail", key=key)


def site_link(key="slug"):
    return SiteLinkField(key=key)


@extend_schema_field(
    {
        "type": "string",
        "pattern": PARTIAL_DATE_PATTERN,
        "description": 'ISO 8601 at the known precision: "2016", "2022-12" or "2017-12-19".',
        "example": "2017-12-19",
    }
)
class PartialDateField(serializers.Field):
    """A date known to a year, month or day, as an ISO string at that precision."""

    def __init__(self, date_field, precision_field, **kwargs):
        self.date_field, self.precision_field = date_field, precision_field
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj):
        date = getattr(obj, self.date_field)
        if date is None:
            return None
        return iso_at_precision(date, getattr(obj, self.precision_field))


class SlugsField(serializers.ListField):
    """The slugs of a (prefetched) to-many relation."""

    def __init__(self, **kwargs):
        kwargs.update(child=serializers.CharField(), read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, manager):
        return [item.slug for item in manager.all()]


class IdsField(serializers.ListField):
    """The ids of a (prefetched) to-many relation."""

    def __init__(self, **kwargs):
        kwargs.update(child=serializers.IntegerField(), read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, manager):
        return [item.pk for item in manager.all()]


# --- Vocabularies -----------------------------------------------------------


class TopicSerializer(serializers.ModelSerializer):
    url = api_link("topic")

    class Meta:
        model = Topic
        fields = ["slug", "url", "name", "description", "created_at", "updated_at"]


class ActorSerializer(serializers.ModelSerializer):
    url = api_link("actor")

    class Meta:
        model = Actor
        fields = ["slug", "url", "name", "description", "created_at", "updated_at"]


# --- Compact references to other items --------------------------------------


class DocumentRefSerializer(serializers.ModelSerializer):
    url = api_link("document")
    html_url = site_link()

    class Meta:
        model = Document
        fields = ["slug", "title", "url", "html_url"]


class PolicyRefSerializer(serializers.ModelSerializer):
    url = api_link("policy")
    html_url = site_link()

    class Meta:
        model = Policy
        fields = ["slug", "title", "url", "html_url"]


class RecommendationRefSerializer(serializers.ModelSerializer):
    url = api_link("recommendation")
    html_url = site_link()

    class Meta:
        model = Recommendation
        fields = ["slug", "title", "url", "html_url"]


# --- Documents --------------------------------------------------------------


class DocumentSerializer(serializers.ModelSerializer):
    url = api_link("document")
    html_url = site_link()
    authors = serializers.ListField(
        source="author_list", child=serializers.CharField(), read_only=True
    )
    published_on = PartialDateField("published_on", "published_precision")
    external_url = serializers.CharField(
        source="url", read_only=True, help_text="The publisher's page for the document, if any."
    )

    class Meta:
        model = Document
        fields = [
            "slug",
            "url",
            "html_url",
            "title",
            "authors",
            "publisher",
            "series",
            "identifier",
            "kind",
            "language",
            "published_on",
            "published_precision",
            "external_url",
            "abstract",
            "created_at",
            "updated_at",
        ]


class DocumentDetailSerializer(DocumentSerializer):
    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "body"]


# --- Claims -----------------------------------------------------------------


class ClaimSerializer(serializers.ModelSerializer):
    url = api_link("claim", key="pk")
    html_url = site_link(key="pk")
    document = DocumentRefSerializer(read_only=True)
    topics = SlugsField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "url",
            "html_url",
            "document",
            "quote",
            "summary",
            "kind",
            "start_offset",
            "end_offset",
            "topics",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "start_offset": {"help_text": "Where the quote starts in the document's body."},
            "end_offset": {"help_text": "Where the quote ends (exclusive) in the document's body."},
        }


# --- Policies ---------------------------------------------------------------


class PolicySerializer(serializers.ModelSerializer):
    url = api_link("policy")
    html_url = site_link()
    adopted_on = PartialDateField("adopted_on", "adopted_precision", allow_null=True)
    actors = SlugsField()
    claims = IdsField(help_text="Ids of the published claims that discuss this policy.")
    external_url = serializers.CharField(
        source="url", read_only=True, help_text="The official text or announcement, if any."
    )

    class Meta:
        model = Policy
        fields = [
            "slug",
            "url",
            "html_url",
            "title",
            "instrument",
            "adopted_on",
            "adopted_precision",
            "actors",
            "summary",
            "external_url",
            "claims",
            "created_at",
            "updated_at",
        ]


# --- Recommendations and their status history ------------------------------


class StatusChangeSerializer(serializers.ModelSerializer):
    """One dated, sourced step of a recommendation's status history."""

    date = PartialDateField("date", "date_precision")
    policy = PolicyRefSerializer(
        read_only=True, allow_null=True, help_text="The policy that enacted this change, if any."
    )

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "status",
            "date",
            "date_precision",
            "note",
            "source",
            "source_url",
            "policy",
        ]


class StatusChangeItemSerializer(StatusChangeSerializer):
    """A status change on its own (``/status-changes/``): with its recommendation."""

    url = api_link("status-change", key="pk")
    recommendation = RecommendationRefSerializer(read_only=True)

    class Meta(StatusChangeSerializer.Meta):
        fields = [
            "id",
            "url",
            "recommendation",
            *StatusChangeSerializer.Meta.fields[1:],
            "created_at",
            "updated_at",
        ]


class EvidenceClaimSerializer(serializers.ModelSerializer):
    url = api_link("claim", key="pk")
    html_url = site_link(key="pk")
    document = DocumentRefSerializer(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "url",
            "html_url",
            "quote",
            "summary",
            "kind",
            "start_offset",
            "end_offset",
            "document",
        ]


class EvidenceSerializer(serializers.ModelSerializer):
    claim = EvidenceClaimSerializer(read_only=True)

    class Meta:
        model = Evidence
        fields = ["role", "note", "claim"]


class RecommendationSerializer(serializers.ModelSerializer):
    url = api_link("recommendation")
    html_url = site_link()
    status = serializers.ChoiceField(
        choices=Recommendation._meta.get_field("status").choices,
        read_only=True,
        help_text="The current status: that of the latest status change.",
    )
    documents = DocumentRefSerializer(many=True, read_only=True)
    policies = PolicyRefSerializer(many=True, read_only=True)
    topics = SlugsField()
    actors = SlugsField(help_text="Slugs of the actors the recommendation is addressed to.")

    class Meta:
        model = Recommendation
        fields = [
            "slug",
            "url",
            "html_url",
            "title",
            "summary",
            "status",
            "documents",
            "policies",
            "topics",
            "actors",
            "created_at",
            "updated_at",
        ]


class RecommendationDetailSerializer(RecommendationSerializer):
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta(RecommendationSerializer.Meta):
        fields = [*RecommendationSerializer.Meta.fields, "status_history", "evidence"]
