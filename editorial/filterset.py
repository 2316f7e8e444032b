"""django-filter's FilterSet, without its copying.

Every request makes a FilterSet, and django-filter's deep-copies all of the
class's filters (their widgets and choices included), builds a form class
for the instance, and the form deep-copies the fields the filters just made
for it. On the filtered recommendations page that was about a tenth of the
request (profiled on the 100k-claim corpus, bench/). This one gives each
instance shallow copies of the filters (each with its own ``extra``, field
and bound method), and its form the fields those copies make, once.

The filters themselves are django-filter's, unchanged: a field is still made
from the filter's ``extra`` for each instance (a widget given there is
copied by the field, a queryset cloned), so nothing an instance does is seen
by another.
"""

import copy
import functools

import django_filters
from django.http import QueryDict
from django_filters.utils import label_for_filter


@functools.lru_cache(maxsize=256)
def _label(model, field_name, lookup_expr, exclude):
    return label_for_filter(model, field_name, lookup_expr, exclude)


def _own_copy(filter_, parent, model):
    own = copy.copy(filter_)
    if own._label is None:
        # What Filter.label works out from the model's fields on every
        # request, once a process (it names the model's field and lookup, in
        # the site's one language: no middleware switches it).
        own._label = _label(model, own.field_name, own.lookup_expr, own.exclude)
    own.__dict__.pop("_field", None)  # made anew, for this instance
    own.extra = dict(filter_.extra)  # a field may write into it (the request, a queryset)
    if own.method is not None:
        own.method = own.method  # binds a FilterMethod to the copy, not to the class's filter
    own.model, own.parent = model, parent
    return own


class FilterSet(django_filters.FilterSet):
    # Make fields only for the parameters the data holds: for a FilterSet
    # whose form is never shown (the API's), a field nobody filters by is
    # made, cleaned to nothing and skipped, for each request.
    given_fields_only = False

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's own __init__, but for the copies.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        # Given fields only, the others' filters are never used: a form
        # field, and a filtering, is made for each parameter given. Copying
        # all of them, and working out the label of each, was a twentieth of
        # the API's claims searched for "missile defense" (4.42 million
        # instructions a request against 4.22, callgrind, in-process).
        given = self.data if self.given_fields_only and self.is_bound else None
        self.filters = {
            name: _own_copy(filter_, self, queryset.model)
            for name, filter_ in self.base_filters.items()
            if given is None or self._prefixed(name) in given
        }

    def _prefixed(self, name):
        """``name`` as the form's data holds it (``Form.add_prefix``)."""
        return f"{self.form_prefix}-{name}" if self.form_prefix else name

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = self._meta.form(self.data if self.is_bound else None, prefix=self.form_prefix)
            # The fields this instance's filters made (its own already), after
            # any the form class declares, as django-filter's form class has them.
            form.fields.update((name, filter_.field) for name, filter_ in self.filters.items())
            self._form = form
        return self._form
