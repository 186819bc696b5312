"""The bases of the project's admin classes: text typed in the admin is cleaned as in every
other form (cohesion.text), since an administrator's typo or paste can carry a bidirectional
control into a member's name as well as anyone's."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cohesion.forms import CleanModelForm
from cohesion.models import Job


class ModelAdmin(admin.ModelAdmin):
    form = CleanModelForm


class HistoryAdmin(SimpleHistoryAdmin):
    form = CleanModelForm


class TabularInline(admin.TabularInline):
    form = CleanModelForm


class StackedInline(admin.StackedInline):
    form = CleanModelForm


@admin.register(Job)
class JobAdmin(ModelAdmin):
    """The outbox, for whoever is on call: what waits, what failed and why. Read only, and
    without the arguments, which can name a person; a failed job is tried again by the sweep
    until JOB_MAX_ATTEMPTS, or can be deleted here."""

    list_display = ["function", "status", "attempts", "created_at", "run_after", "last_error"]
    list_filter = ["status", "function"]
    fields = ["function", "status", "attempts", "created_at", "run_after", "started_at",
              "finished_at", "last_error"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
