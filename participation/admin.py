from django.contrib import admin

from cohesion import admin as base
from participation.models import Application


@admin.register(Application)
class ApplicationAdmin(base.ModelAdmin):
    list_display = ["__str__", "programme", "community", "status", "submitted_at", "decided_at"]
    list_filter = ["status", "programme"]
    search_fields = ["full_name", "email", "phone"]
    raw_id_fields = ["community", "membership", "decided_by"]
    readonly_fields = ["consent_at", "submitted_at"]
