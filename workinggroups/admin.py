from django.contrib import admin

from cohesion import admin as base
from workinggroups.models import (
    AgeBand,
    CompositionTarget,
    GroupStatusChange,
    Membership,
    Person,
    WorkingGroup,
)


class GroupStatusChangeInline(base.TabularInline):
    model = GroupStatusChange
    extra = 0
    readonly_fields = ["recorded_by", "recorded_at"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(base.HistoryAdmin):
    list_display = ["name_uk", "programme", "community", "status", "established_on"]
    list_filter = ["status", "programme"]
    search_fields = ["name_uk", "name_en", "community__name_uk"]
    autocomplete_fields = ["programme", "community"]
    list_select_related = ["programme", "community"]
    inlines = [GroupStatusChangeInline]


@admin.register(Person)
class PersonAdmin(base.HistoryAdmin):
    list_display = ["full_name", "sex", "birth_year", "community"]
    list_filter = ["sex", "is_veteran", "is_idp", "has_disability"]
    search_fields = ["full_name", "email", "phone"]
    autocomplete_fields = ["community", "user"]
    list_select_related = ["community"]


@admin.register(Membership)
class MembershipAdmin(base.HistoryAdmin):
    list_display = ["person", "group", "category", "role", "joined_on", "left_on"]
    list_filter = ["role", "category", "group__programme"]
    search_fields = ["person__full_name", "group__name_uk"]
    autocomplete_fields = ["person", "group", "organisation"]
    list_select_related = ["person", "group", "category"]


@admin.register(AgeBand)
class AgeBandAdmin(base.ModelAdmin):
    list_display = ["programme", "min_age", "max_age"]
    list_filter = ["programme"]


@admin.register(CompositionTarget)
class CompositionTargetAdmin(base.ModelAdmin):
    list_display = ["programme", "measure", "threshold"]
    list_filter = ["programme"]
