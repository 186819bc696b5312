"""Who may load or change recommendations to local authorities.

A group's recommendations are kept by its leader and the coordinators of its programme (the
secretary of a group records meetings through the leader's account: the project has no role of
its own for that). Donors follow the programme's figures only (the dashboard): no single
recommendation, answer or document is theirs to open. Not visible: 404; visible but not
theirs to change: 403."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from cohesion.access import access_function
from communities.access import access_programme
from recommendations.models import Answer, Recommendation
from workinggroups.access import access_group


@access_function
def access_recommendation(user, pk: int, *, manage: bool = False) -> Recommendation:
    """A recommendation of a group the user manages (404 otherwise: donors, other groups'
    leaders and other programmes' coordinators do not learn it exists). `manage` asks no more:
    whoever sees one keeps it."""
    recommendation = get_object_or_404(
        Recommendation.objects.visible_to(user).select_related(
            "group__programme", "group__community", "meeting", "decision", "addressee", "answer"
        ),
        pk=pk,
    )
    if manage and not user_roles(user).manages(recommendation.group):
        raise PermissionDenied
    return recommendation


@access_function
def access_answer_document(user, pk: int) -> Answer:
    """The answer of a recommendation the user manages, with its document (404 otherwise)."""
    return get_object_or_404(
        Answer.objects.filter(recommendation__in=Recommendation.objects.visible_to(user)),
        pk=pk,
    )


@access_function
def access_group_recommendations(user, pk: int):
    """A group whose recommendations the user keeps: 404 if the group is not visible, 403 for
    those who see the group but not its recommendations (its programme's donors)."""
    group = access_group(user, pk)
    if not user_roles(user).manages(group):
        raise PermissionDenied
    return group


@access_function
def access_programme_recommendations(user, pk: int):
    """A programme whose recommendations, all groups together, the user follows: its
    coordinators (404 without a role in it, 403 for its donors and leaders)."""
    return access_programme(user, pk, manage=True)
