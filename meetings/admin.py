from django.contrib import admin
from django.db import models

from cohesion import admin as base
from meetings.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Decision,
    EmailOptOut,
    Meeting,
    PreRead,
    Reminder,
)


class AgendaItemInline(base.TabularInline):
    model = AgendaItem
    extra = 0
    raw_id_fields = ["action_item"]


class DecisionInline(base.TabularInline):
    model = Decision
    extra = 0


class PreReadInline(base.TabularInline):
    model = PreRead
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    fields = readonly_fields


@admin.register(Meeting)
class MeetingAdmin(base.ModelAdmin):
    list_display = ["group", "starts_at", "status", "status_reason", "recorded_at"]
    list_filter = ["status", "status_reason", "group__programme"]
    search_fields = ["group__name_uk", "group__community__name_uk"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["group"]
    list_select_related = ["group"]
    inlines = [AgendaItemInline, DecisionInline, PreReadInline]
    # As the meeting form does: a link typed without a scheme is https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # When, where and whether a meeting takes place change only through the meeting's pages
    # (meetings.services): they raise its calendar SEQUENCE and tell the members once it is
    # announced, which a save here would not. A new meeting is entered here in full.
    PLANNING_FIELDS = ["starts_at", "duration_minutes", "format", "place", "online_link",
                       "status", "status_reason", "agenda_sent_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, *self.PLANNING_FIELDS] if obj is not None else fields


@admin.register(ActionItem)
class ActionItemAdmin(base.ModelAdmin):
    list_display = ["description", "group", "due_on", "status"]
    list_filter = ["status", "group__programme"]
    search_fields = ["description"]
    raw_id_fields = ["group", "meeting", "owner"]
    list_select_related = ["group"]


@admin.register(Reminder)
class ReminderAdmin(base.ModelAdmin):
    """Coordinators' view of what went out and what failed (administrators see it here)."""

    list_display = ["kind", "email", "subject_key", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["email", "subject_key"]
    readonly_fields = [f.name for f in Reminder._meta.fields]
    list_select_related = ["group"]


@admin.register(EmailOptOut)
class EmailOptOutAdmin(base.ModelAdmin):
    list_display = ["email", "created_at"]
    search_fields = ["email"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(base.ModelAdmin):
    list_display = ["group", "renewed_at"]
    readonly_fields = ["token", "renewed_at"]
    raw_id_fields = ["group"]
