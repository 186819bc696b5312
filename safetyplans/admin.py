from django.contrib import admin

from cohesion import admin as base
from safetyplans.models import (
    Action,
    ActionTracking,
    ActionUpdate,
    Measure,
    PlanDocument,
    PlanVersion,
    Priority,
    ReviewRound,
    SafetyPlan,
)


class FrozenReadOnly:
    """Approved versions are frozen: the admin shows them but cannot change them."""

    def _frozen(self, obj) -> bool:
        version = obj if isinstance(obj, PlanVersion) else getattr(obj, "version", None)
        return version is not None and version.is_frozen

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and self._frozen(obj)) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and self._frozen(obj)) and super().has_delete_permission(
            request, obj
        )


class VersionInline(base.TabularInline):
    model = PlanVersion
    extra = 0
    fields = ["number", "status", "decision_number", "decision_date", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SafetyPlan)
class SafetyPlanAdmin(base.ModelAdmin):
    list_display = ["__str__", "group", "period_start", "period_end", "status"]
    list_filter = ["status", "group__programme"]
    search_fields = ["group__community__name_uk", "group__community__name_en"]
    raw_id_fields = ["group"]
    list_select_related = ["group__community"]
    inlines = [VersionInline]


class PriorityInline(FrozenReadOnly, base.StackedInline):
    model = Priority
    extra = 0
    raw_id_fields = ["evidence_decision"]


class ReviewRoundInline(base.TabularInline):
    """The returns of the version, as they were: written by version_return, never edited."""

    model = ReviewRound
    extra = 0
    fields = ["number", "returned_at", "reviewer", "comments"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PlanVersion)
class PlanVersionAdmin(FrozenReadOnly, base.ModelAdmin):
    list_display = ["plan", "number", "status", "decision_number", "decision_date"]
    list_filter = ["status", "plan__group__programme"]
    raw_id_fields = ["plan", "based_on"]
    readonly_fields = ["status"]
    inlines = [ReviewRoundInline, PriorityInline]


@admin.register(Action)
class ActionAdmin(FrozenReadOnly, base.ModelAdmin):
    list_display = ["activity", "version", "starts_on", "ends_on", "budget_uah"]
    list_filter = ["version__status", "funding_source"]
    search_fields = ["activity"]
    raw_id_fields = [
        "version", "priority", "responsible", "partners", "decisions", "copied_from",
    ]  # fmt: skip


class ActionUpdateInline(base.TabularInline):
    model = ActionUpdate
    extra = 0
    raw_id_fields = ["recorded_by", "meeting"]


@admin.register(ActionTracking)
class ActionTrackingAdmin(base.ModelAdmin):
    list_display = ["action", "plan", "status", "progress", "updated_on"]
    list_filter = ["status"]
    raw_id_fields = ["plan", "action"]
    inlines = [ActionUpdateInline]


@admin.register(PlanDocument)
class PlanDocumentAdmin(base.ModelAdmin):
    list_display = ["version", "language", "status", "progress", "rendered_at", "sha256"]
    list_filter = ["status", "language"]
    raw_id_fields = ["version"]
    readonly_fields = ["file", "sha256", "size", "rendered_at", "started_at", "error"]


@admin.register(Measure)
class MeasureAdmin(base.ModelAdmin):
    """Coordinators write measures on the site (services.measure_create and _update keep the
    search text); here administrators read them and remove one that should not be there."""

    list_display = ["activity", "category", "community", "programme", "created_at"]
    list_filter = ["category", "programme"]
    search_fields = ["activity"]
    list_select_related = ["community", "programme"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
