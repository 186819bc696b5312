from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    # Not translated: the app has no models, so the admin never shows this name.
    verbose_name = "Demo data"
