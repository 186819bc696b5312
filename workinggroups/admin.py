from django.contrib import admin

from workinggroups.models import WorkingGroup


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ["name_uk", "programme", "community", "established_on"]
    list_filter = ["programme"]
    search_fields = ["name_uk", "name_en", "community__name_uk"]
    autocomplete_fields = ["programme", "community"]
    list_select_related = ["programme", "community"]
