from django.contrib import admin

from cohesion import admin as base
from engagement.models import (
    AssessedNeed,
    Event,
    EventTopic,
    NeedsAssessment,
    Opportunity,
    OpportunityNeed,
    Participant,
    VeteranOrganisation,
    YouthLeader,
    YouthSupport,
)


class YouthSupportInline(base.TabularInline):
    model = YouthSupport
    extra = 0
    raw_id_fields = ["provider", "event"]


@admin.register(YouthLeader)
class YouthLeaderAdmin(base.ModelAdmin):
    list_display = ["person", "programme", "community", "organisation", "since", "until"]
    list_filter = ["programme"]
    search_fields = ["person__full_name", "focus"]
    raw_id_fields = ["person", "community", "organisation"]
    list_select_related = ["person", "programme", "community", "organisation"]
    inlines = [YouthSupportInline]


@admin.register(VeteranOrganisation)
class VeteranOrganisationAdmin(base.ModelAdmin):
    list_display = ["organisation", "community", "programme", "kind", "relationship", "updated_on"]
    list_filter = ["programme", "kind", "relationship"]
    search_fields = ["organisation__name_uk", "organisation__name_en", "services"]
    raw_id_fields = ["community", "organisation"]
    list_select_related = ["organisation", "community", "programme"]


class AssessedNeedInline(base.TabularInline):
    model = AssessedNeed
    extra = 0


@admin.register(NeedsAssessment)
class NeedsAssessmentAdmin(base.ModelAdmin):
    list_display = ["community", "programme", "period_start", "period_end", "method", "respondents"]
    list_filter = ["programme", "method"]
    raw_id_fields = ["community", "conducted_by"]
    list_select_related = ["community", "programme"]
    inlines = [AssessedNeedInline]


class OpportunityNeedInline(base.TabularInline):
    model = OpportunityNeed
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(base.ModelAdmin):
    list_display = ["title", "programme", "kind", "starts_on", "ends_on"]
    list_filter = ["programme", "kind"]
    search_fields = ["title", "provider_other"]
    raw_id_fields = ["provider", "communities"]
    inlines = [OpportunityNeedInline]


class EventTopicInline(base.TabularInline):
    model = EventTopic
    extra = 0


class ParticipantInline(base.TabularInline):
    model = Participant
    extra = 0
    raw_id_fields = ["person", "community", "group"]


@admin.register(Event)
class EventAdmin(base.ModelAdmin):
    list_display = ["title", "programme", "kind", "starts_on", "host_community", "status"]
    list_filter = ["programme", "kind", "status"]
    search_fields = ["title", "facilitator"]
    date_hierarchy = "starts_on"
    raw_id_fields = ["host_community", "visiting_communities", "groups", "facilitator_organisation"]
    list_select_related = ["programme", "host_community"]
    inlines = [EventTopicInline, ParticipantInline]
