from django.contrib import admin
from django.db import models

from cohesion import admin as base
from cohesion.forms import CleanModelForm
from communities.forms import ClosedWithinPeriod
from communities.models import (
    Community,
    Enrolment,
    Organisation,
    Programme,
    Raion,
    Region,
    StakeholderCategory,
)


@admin.register(Region)
class RegionAdmin(base.ModelAdmin):
    list_display = ["code", "pcode", "name_uk", "name_en", "kind"]
    search_fields = ["code", "pcode", "name_uk", "name_en"]
    # P-codes come only from OCHA's table (manage.py load_pcodes), never typed.
    readonly_fields = ["pcode"]


@admin.register(Raion)
class RaionAdmin(base.ModelAdmin):
    list_display = ["code", "pcode", "name_uk", "name_en", "region"]
    list_filter = ["region"]
    search_fields = ["code", "pcode", "name_uk", "name_en"]
    readonly_fields = ["pcode"]
    list_select_related = ["region"]


@admin.register(Community)
class CommunityAdmin(base.ModelAdmin):
    list_display = [
        "name_uk", "name_en", "katotth_code", "pcode", "region", "kind", "status", "population",
    ]  # fmt: skip
    list_filter = ["status", "kind", "region"]
    search_fields = ["name_uk", "name_en", "katotth_code", "pcode"]
    readonly_fields = ["pcode"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "raion"]


@admin.register(Organisation)
class OrganisationAdmin(base.ModelAdmin):
    list_display = ["name_uk", "name_en", "kind", "community"]
    list_filter = ["kind"]
    search_fields = ["name_uk", "name_en", "short_name"]
    autocomplete_fields = ["community"]
    list_select_related = ["community"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(StakeholderCategory)
class StakeholderCategoryAdmin(base.ModelAdmin):
    list_display = ["code", "name_uk", "name_en", "position"]
    list_editable = ["position"]


class EnrolmentInline(base.TabularInline):
    """Read-only list: enrolling and withdrawing go through the app's rules (or the Enrolment
    admin), and a per-row community widget would cost a query a row."""

    model = Enrolment
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["community", "enrolled_on", "withdrawn_on", "withdrawal_reason"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("community", "programme")


@admin.register(Enrolment)
class EnrolmentAdmin(base.ModelAdmin):
    list_display = ["community", "programme", "enrolled_on", "withdrawn_on"]
    list_filter = ["programme"]
    search_fields = ["community__name_uk", "community__name_en"]
    autocomplete_fields = ["community", "programme"]
    list_select_related = ["community", "programme"]


class ProgrammeAdminForm(ClosedWithinPeriod, CleanModelForm):
    """The admin's form for a programme (the admin supplies the model and fields)."""


@admin.register(Programme)
class ProgrammeAdmin(base.ModelAdmin):
    list_display = ["title_uk", "implementing_partner", "start_date", "end_date", "closed_on"]
    search_fields = ["title_uk", "title_en"]
    autocomplete_fields = ["implementing_partner", "donors", "partners"]
    filter_horizontal = ["required_categories"]
    inlines = [EnrolmentInline]
    list_select_related = ["implementing_partner"]
    # Closing early goes through the programme's completion page, which records what becomes
    # of each group: here it is shown, not changed.
    readonly_fields = ["closed_on", "closure_reason"]
    form = ProgrammeAdminForm
