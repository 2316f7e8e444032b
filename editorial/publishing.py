"""Publication states and the one queryset gate, ``.published()``.

Every public view, the API, search, feeds and sitemaps start from
``Model.objects.published()``. Models whose visibility depends on a parent
(a claim on its document) override ``published()`` in their own queryset, so
that the rule is written once, here or next to the model, never in a view.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PublishableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=State.PUBLISHED)

    def needs_review(self):
        return self.filter(state=State.IN_REVIEW)


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
        if self.pk is not None and not self._state.adding:
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)


class Publishable(Tracked):
    """An editorial item that readers see only once it is published."""

    state = models.CharField(
        max_length=16,
        choices=State.choices,
        default=State.DRAFT,
        db_index=True,
        help_text="Only published items appear on the public site and in the API.",
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


def set_state(items, state, *, user=None):
    """Move ``items`` (model instances) to ``state``, recording who published.

    Saves each item through ``save()`` so that versions and revision history
    are kept. Returns the number of items whose state changed.
    """
    changed = 0
    now = timezone.now()
    for item in items:
        if item.state == state:
            continue
        item.state = state
        if state == State.PUBLISHED:
            item.published_at = now
            item.published_by = user
        item.save()
        changed += 1
    return changed
