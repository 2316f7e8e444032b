"""JSON (with orjson) and CSV renderers.

CSV is offered on every list endpoint (``?format=csv``): one row per item of
the requested page, nested values flattened so that every item has the same
columns, in the order of the serializer's fields:

- a nested object becomes one column per field: ``document.slug``, ``document.title``;
- a list of plain values (topic slugs, claim ids) becomes one cell, joined by "; ";
- a list of objects (a recommendation's documents) becomes one cell of their
  slugs (or ids), joined by "; ".
"""

import orjson
from django.utils.functional import Promise
from rest_framework import renderers, serializers
from rest_framework_csv.renderers import CSVRenderer as BaseCSVRenderer

LIST_SEPARATOR = "; "


def _default(value):
    # Lazy translation strings (DRF's own messages) are the one non-JSON type
    # serializers hand us; everything else is already a str, int or None.
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


class JSONRenderer(renderers.BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(data, default=_default)


def csv_columns(serializer):
    """The CSV header for ``serializer``: its fields, nested objects expanded."""
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns.extend(f"{name}.{sub}" for sub in csv_columns(field))
        else:
            columns.append(name)
    return columns


def _cell(value):
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(_identifier(item)) for item in value)
    return value


def _identifier(item):
    if isinstance(item, dict):
        return item.get("slug", item.get("id", ""))
    return item


def flatten(item, prefix=""):
    row = {}
    for key, value in item.items():
        if isinstance(value, dict):
            row.update(flatten(value, f"{prefix}{key}."))
        else:
            row[f"{prefix}{key}"] = _cell(value)
    return row


class CSVRenderer(BaseCSVRenderer):
    """Renders the ``results`` of a page; the view supplies the ``header``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        if isinstance(data, dict):
            data = data.get("results", [data])
        rows = [flatten(item) for item in data or []]
        return super().render(rows, media_type, renderer_context)

    def flatten_data(self, data):
        # Rows are flattened already (see ``render``); the base class would
        # split lists into numbered columns.
        return data
