from django.apps import AppConfig


class CohesionConfig(AppConfig):
    name = "cohesion"
    verbose_name = "Cohesion"
