from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = "Editorial content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import freshness
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

        freshness.connect_signals(
            [Actor, Claim, Document, Evidence, Policy, Recommendation, StatusChange, Topic]
        )
