from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def _install_triggers(sender, using, **kwargs):
    from dashboards import versioning

    versioning.install(using)


def _uninstall_triggers(sender, using, **kwargs):
    from dashboards import versioning

    versioning.uninstall(using)


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards and reports")

    def ready(self):
        # After every migrate (and test database set-up), the triggers that keep the figures'
        # version are (re)installed from dashboards.versioning.WATCHED.
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="figures-triggers")
        pre_migrate.connect(_uninstall_triggers, sender=self, dispatch_uid="figures-untriggers")
