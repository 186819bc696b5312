"""The meeting page's small part on recommendations and representation, and stage labels.

The meeting page includes `{% meeting_recommendations meeting %}` beside its decisions: for
those who manage the group, who was present (by marker and category) and the recommendations
adopted at the meeting, by decision. Nothing for anyone else (donors follow figures only).
A fixed number of queries, however many decisions and recommendations."""

from django import template

from accounts.roles import user_roles
from recommendations.models import Recommendation, Stage
from recommendations.selectors import representation_of

register = template.Library()


@register.filter
def stage_label(code: str) -> str:
    """A stage's label in the reader's language (never its stored code)."""
    return Stage(code).label if code in Stage.values else ""


@register.inclusion_tag("recommendations/_meeting_panel.html", takes_context=True)
def meeting_recommendations(context, meeting) -> dict:
    user = context["request"].user
    if meeting.status != meeting.Status.HELD or not user_roles(user).manages(meeting.group):
        return {"shown": False}
    from cohesion import clock

    recommendations = list(
        Recommendation.objects.visible_to(user)
        .filter(meeting=meeting)
        .with_stage(clock.today())
        .select_related("addressee")
        .order_by("decision_id", "pk")
    )
    decisions = list(meeting.decisions.all())
    by_decision = {decision.pk: [] for decision in decisions}
    unlinked = []
    for recommendation in recommendations:
        by_decision.get(recommendation.decision_id, unlinked).append(recommendation)
    return {
        "shown": True,
        "meeting": meeting,
        "representation": representation_of([meeting.pk])[meeting.pk],
        "decisions": [(decision, by_decision[decision.pk]) for decision in decisions],
        "unlinked": unlinked,
    }


BADGES = {
    Stage.ADOPTED: "text-bg-secondary",
    Stage.SENT: "text-bg-info",
    Stage.OVERDUE: "text-bg-danger",
    Stage.ANSWERED: "text-bg-primary",
    Stage.IMPLEMENTED: "text-bg-success",
}


@register.filter
def stage_badge(code: str) -> str:
    """The badge colour of a stage."""
    return BADGES.get(code, "text-bg-light")
