from django.contrib import admin

from cohesion import admin as base
from dashboards.models import Export, IndicatorTarget


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(base.ModelAdmin):
    list_display = ["programme", "indicator", "target"]
    list_filter = ["programme"]


@admin.register(Export)
class ExportAdmin(base.ModelAdmin):
    list_display = ["__str__", "programme", "status", "suppressed", "requested_by", "requested_at"]
    list_filter = ["status", "kind", "suppressed"]
    raw_id_fields = ["community", "requested_by"]
    readonly_fields = ["file", "size", "error", "started_at", "finished_at"]
