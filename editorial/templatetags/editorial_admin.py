"""Template tags for the editors' admin pages."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from ..workflow import review_queue

register = template.Library()


@register.inclusion_tag("admin/editorial/needs_review.html", takes_context=True)
def needs_review(context, limit=10):
    """The review queue on the admin's front page."""
    queues = review_queue(context["request"].user, limit=limit)
    return {"queues": queues, "may_publish_any": any(q.may_publish for q in queues)}


@register.simple_tag
def editorial_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("editorial/admin.css"))


@register.filter
def timedelta_minutes(value):
    """A duration as whole minutes (rounded up): "15"."""
    return -(-int(value.total_seconds()) // 60)
