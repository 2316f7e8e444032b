"""The partner REST API at ``/api/v1/``: read-only, published content only.

One module per concern: ``serializers`` (representations), ``filters``
(FilterSets), ``pagination``, ``caching`` (ETag / Last-Modified), ``renderers``
(JSON and CSV), ``throttling``, ``errors`` (one JSON error shape), ``schema``
(what drf-spectacular adds to each operation), ``views`` and ``urls``.
"""
