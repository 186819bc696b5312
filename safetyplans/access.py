"""Who may load, draft, review or follow a public safety plan.

A plan is seen by everyone who sees its group; donors see only its approved versions, never a
draft, a review comment or the scan of the signed decision. The group's leader and the
programme's coordinators draft, submit, revise and follow its implementation (`manage`); only
the coordinators return or approve it (`coordinate`)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from cohesion.access import access_function
from safetyplans.models import (
    Action,
    ActionTracking,
    Measure,
    PlanDocument,
    PlanVersion,
    Priority,
    SafetyPlan,
)


def may_draft(user, group) -> bool:
    """The group's leader and the programme's coordinators draft, submit and revise."""
    return user_roles(user).manages(group)


def may_review(user, group) -> bool:
    """Only the programme's coordinators return or approve a plan."""
    return user_roles(user).coordinates(group.programme_id)


def may_see_drafts(user, group) -> bool:
    """Drafts, review comments and the signed decision stay with the people who work on the
    plan; donors follow approved plans."""
    return may_draft(user, group)


def _check(user, group, *, manage: bool, coordinate: bool) -> None:
    if manage and not may_draft(user, group):
        raise PermissionDenied
    if coordinate and not may_review(user, group):
        raise PermissionDenied


@access_function
def access_plan(user, pk: int, *, manage: bool = False, coordinate: bool = False) -> SafetyPlan:
    """The plan if its group is visible (404 otherwise); `manage` needs the group's leader or a
    coordinator, `coordinate` a coordinator (403 otherwise)."""
    plan = get_object_or_404(
        SafetyPlan.objects.visible_to(user).select_related(
            "group__programme", "group__community", "approved_version"
        ),
        pk=pk,
    )
    _check(user, plan.group, manage=manage, coordinate=coordinate)
    return plan


def versions_visible_to(user, plan: SafetyPlan):
    """The plan's versions the user may see: donors only the approved and superseded ones."""
    versions = plan.versions.all()
    if not may_see_drafts(user, plan.group):
        versions = versions.filter(status__in=PlanVersion.FROZEN)
    return versions


@access_function
def access_version(
    user, plan_pk: int, number: int, *, manage: bool = False, coordinate: bool = False
) -> PlanVersion:
    """A version of a visible plan that the user may see (404 otherwise: a donor asking for a
    draft learns nothing of it); flags as for the plan."""
    plan = access_plan(user, plan_pk, manage=manage, coordinate=coordinate)
    version = get_object_or_404(versions_visible_to(user, plan), number=number)
    version.plan = plan
    return version


def _item(model, user, pk: int, manage: bool, coordinate: bool = False):
    item = get_object_or_404(
        model.objects.filter(version__plan__in=SafetyPlan.objects.visible_to(user)).select_related(
            "version__plan__group__programme", "version__plan__group__community"
        ),
        pk=pk,
    )
    plan = item.version.plan
    _check(user, plan.group, manage=manage, coordinate=coordinate)
    if not may_see_drafts(user, plan.group) and item.version.status not in PlanVersion.FROZEN:
        raise Http404  # drafts are not there for donors, as in access_version
    return item


@access_function
def access_priority(user, pk: int, *, manage: bool = False) -> Priority:
    """A priority of a visible plan (404 otherwise); `manage` needs a drafter (403)."""
    return _item(Priority, user, pk, manage)


@access_function
def access_plan_action(user, pk: int, *, manage: bool = False, coordinate: bool = False) -> Action:
    """An action of a visible plan (404 otherwise); `manage` needs a drafter, `coordinate` a
    coordinator of the programme (403)."""
    return _item(Action, user, pk, manage, coordinate)


@access_function
def access_tracking(user, pk: int, *, manage: bool = False) -> ActionTracking:
    """An approved action's implementation record (404 if the plan is not visible);
    `manage` (recording progress) needs the group's leader or a coordinator (403)."""
    tracking = get_object_or_404(
        ActionTracking.objects.filter(plan__in=SafetyPlan.objects.visible_to(user)).select_related(
            "plan__group__programme", "plan__group__community", "action__version"
        ),
        pk=pk,
    )
    _check(user, tracking.plan.group, manage=manage, coordinate=False)
    return tracking


@access_function
def access_document(user, pk: int) -> PlanDocument:
    """The PDF of an approved (or superseded) version of a visible plan (404 otherwise)."""
    return get_object_or_404(
        PlanDocument.objects.filter(
            version__plan__in=SafetyPlan.objects.visible_to(user),
            version__status__in=PlanVersion.FROZEN,
        ).select_related("version__plan"),
        pk=pk,
    )


def may_add_measures(user, programme_id: int) -> bool:
    """The programme's coordinators write up its approved actions as measures of the library."""
    return user_roles(user).coordinates(programme_id)


@access_function
def access_measure(user, pk: int, *, manage: bool = False) -> Measure:
    """A measure of the library, for whoever holds a role in its programme (404 otherwise);
    `manage` (editing it) needs a coordinator of that programme (403)."""
    measure = get_object_or_404(
        Measure.objects.visible_to(user).select_related("programme", "community"), pk=pk
    )
    if manage and not may_add_measures(user, measure.programme_id):
        raise PermissionDenied
    return measure
