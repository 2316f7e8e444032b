from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = "Editorial content"
    default_auto_field = "django.db.models.BigAutoField"
