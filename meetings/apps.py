from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def _install_summary(sender, using, **kwargs):
    from meetings import summary

    summary.install(using)


def _uninstall_summary(sender, using, **kwargs):
    from meetings import summary

    summary.uninstall(using)


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # After every migrate (and test database set-up or flush), the calendar and the
        # triggers that keep the per-group, per-month summary are (re)installed.
        post_migrate.connect(_install_summary, sender=self, dispatch_uid="summary-triggers")
        pre_migrate.connect(_uninstall_summary, sender=self, dispatch_uid="summary-untriggers")
