"""The Atom feed of status changes: one entry per change of a published
recommendation, newest first."""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from . import selectors


class StatusChangeFeed(Feed):
    feed_type = Atom1Feed
    title = f"{settings.SITE_NAME}: status changes"
    subtitle = "What became of the recommendations: each adoption, abandonment or other change."
    limit = 50

    def link(self):
        return reverse("editorial:recommendation-list")

    def items(self):
        return selectors.feed_status_changes(limit=self.limit)

    def item_title(self, item):
        return f"{item.recommendation.title}: {item.get_status_display()} ({item.date_display})"

    def item_description(self, item):
        parts = [item.note, f"Source: {item.source}"]
        return "\n\n".join(part for part in parts if part)

    def item_link(self, item):
        return f"{item.recommendation.get_absolute_url()}#status-{item.pk}"

    def item_guid(self, item):
        # Stable across edits of the text: the change's identity, not its URL.
        return f"tag:alliance-tracker,2024:status-change/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        # The date the change happened (its first day when only the month or
        # year is known), at midnight UTC.
        return datetime.datetime.combine(item.date, datetime.time.min, tzinfo=datetime.UTC)

    def item_updateddate(self, item):
        return item.updated_at or timezone.now()
