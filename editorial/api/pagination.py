"""Page-number pagination with strict parameters.

``page`` and ``page_size`` must be plain positive integers and ``page_size``
at most ``MAX_PAGE_SIZE``: anything else is a 400 that says so (a silent
clamp would hand a partner fewer rows than they asked for without telling
them). A page past the last one is a 404. The envelope is DRF's:
``{"count", "next", "previous", "results"}``.
"""

import re
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.utils.encoding import escape_uri_path
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from .serializers import Links

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
_DIGITS = re.compile(r"[0-9]{1,30}")


class CountedPaginator(Paginator):
    """A paginator that can be told the count (already computed for the ETag)."""

    def __init__(self, *args, count=None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property


def _positive_int(request, name, *, maximum=None):
    raw = request.query_params.get(name)
    if raw is None:
        return None
    value = int(raw) if _DIGITS.fullmatch(raw) else 0
    if value < 1 or (maximum is not None and value > maximum):
        bound = f"from 1 to {maximum}" if maximum else "of 1 or more"
        raise ValidationError({name: [f"Must be a whole number {bound}."]})
    return value


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def validate(self, request):
        """Check ``page`` and ``page_size`` before any query runs."""
        self.number = _positive_int(request, self.page_query_param) or 1
        self.size = (
            _positive_int(request, self.page_size_query_param, maximum=self.max_page_size)
            or self.page_size
        )

    def get_page_size(self, request):
        self.validate(request)
        return self.size

    def paginate_queryset(self, queryset, request, view=None, *, count=None):
        self.validate(request)
        self.request = request
        paginator = CountedPaginator(queryset, self.size, count=count)
        if self.number > paginator.num_pages:
            raise NotFound(
                f"Page {self.number} does not exist: the last page is {paginator.num_pages}."
            )
        self.page = paginator.page(self.number)
        # The page's rows, not yet read: a statement that composes the items
        # may read them itself (api/payloads.py).
        return self.page.object_list

    def get_next_link(self):
        if not self.page.has_next():
            return None
        return self._link_to(self.page.next_page_number())

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        number = self.page.previous_page_number()
        return self._link_to(None if number == 1 else number)

    def _link_to(self, number):
        """DRF's link to page ``number`` (None: the first, without ``page``):
        the request's URL, its parameters sorted by name, ``page`` replaced
        (``replace_query_param``, ``remove_query_param``). Made from the
        parameters the request has already parsed, and the origin its items'
        links use: DRF builds the whole URL and takes it apart again for
        each link."""
        query = dict(self.request.query_params.lists())
        if number is None:
            query.pop(self.page_query_param, None)
        else:
            query[self.page_query_param] = [str(number)]
        base = Links.of(self.request).origin + escape_uri_path(self.request.path)
        encoded = urlencode(sorted(query.items()), doseq=True)
        return f"{base}?{encoded}" if encoded else base

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Items per page, from 1 to {self.max_page_size} "
                    f"(default {self.page_size}); more is refused with a 400."
                )
        return parameters
