from django.contrib import admin

from cohesion import admin as base
from recommendations.models import Answer, ImplementationStep, Recommendation


class AnswerInline(base.StackedInline):
    model = Answer
    extra = 0
    readonly_fields = ["document", "document_name", "document_type", "document_size"]


class StepInline(base.TabularInline):
    """Shown, not edited: a step recorded on the recommendation's page sets its
    implementation (step_add); one added or changed here would leave that stale."""

    model = ImplementationStep
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Recommendation)
class RecommendationAdmin(base.HistoryAdmin):
    list_display = ["title", "group", "addressee", "sent_on", "answer_due_on", "implementation"]
    list_filter = ["group__programme", "addressee__kind", "implementation"]
    search_fields = ["title", "group__name_uk", "addressee__name_uk"]
    raw_id_fields = ["group", "meeting", "decision", "addressee", "created_by"]
    readonly_fields = ["implementation"]
    inlines = [AnswerInline, StepInline]
