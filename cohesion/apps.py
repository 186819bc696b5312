from django.apps import AppConfig


class CohesionConfig(AppConfig):
    name = "cohesion"
    verbose_name = "Cohesion"

    def ready(self):
        from cohesion import collation

        collation.install()
