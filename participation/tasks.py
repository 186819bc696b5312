"""Emails about applications (outbox jobs: recorded with the change that asks for them, sent by
a worker, tried again after a failure), and the retention job."""

from celery import shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Role, RoleAssignment
from cohesion import mail, outbox
from participation.models import Application
from workinggroups.models import Membership


@outbox.job
def send_acknowledgement(application_id: int) -> None:
    application = (
        Application.objects.select_related("programme", "community")
        .filter(pk=application_id, status=Application.Status.NEW)
        .first()
    )
    if application is None or not application.email:
        return
    context = {
        "name": application.full_name,
        "programme": application.programme,
        "community": application.community,
        "retention_days": settings.APPLICATION_RETENTION_DAYS,
        "privacy_url": settings.SITE_URL.rstrip("/") + reverse("participation:privacy"),
    }
    mail.send(
        "application_received", context, to=[application.email], language=application.language
    )


@outbox.job
def send_decline(email: str, name: str, language: str, programme_id: int, reason: str) -> None:
    from communities.models import Programme

    # Rendered as its title in the applicant's language, not the coordinator's.
    programme = Programme.objects.filter(pk=programme_id).first() or ""
    context = {"name": name, "programme": programme, "reason": reason}
    mail.send("application_declined", context, to=[email], language=language)


@outbox.job
def notify_leader(membership_id: int) -> None:
    """Tells the group's leader(s) that an applicant has joined their group."""
    membership = (
        Membership.objects.select_related("person", "group__community", "group__programme")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        return
    leaders = RoleAssignment.objects.filter(
        role=Role.LEADER, working_group=membership.group, user__is_active=True
    ).select_related("user")
    url = settings.SITE_URL.rstrip("/") + membership.person.get_absolute_url()
    for assignment in leaders:
        user = assignment.user
        context = {"membership": membership, "url": url, "leader": user}
        mail.send("application_accepted_leader", context, to=[user.email], language=user.language)


@outbox.job
def send_welcome(email: str, name: str, language: str, membership_id: int) -> None:
    """Tells an accepted applicant, in their language, which group they joined, who leads it
    and when it meets next."""
    from django.utils import timezone

    membership = (
        Membership.objects.select_related("group__community", "group__programme")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        return
    group = membership.group
    leaders = [
        m.person.full_name
        for m in group.memberships.current()
        .filter(role=Membership.Role.LEADER)
        .select_related("person")
    ]
    meeting = group.meetings.upcoming().order_by("starts_at").first()
    context = {
        "name": name,
        "programme": group.programme,
        "group": group,
        "leaders": leaders,
        "meeting": meeting,
        "starts_at": timezone.localtime(meeting.starts_at) if meeting else None,
    }
    mail.send("application_welcome", context, to=[email], language=language)


@outbox.job
def send_applications_digest(programme_id: int, application_ids: list[int]) -> None:
    """Tells the programme's coordinators, each in their language, of the applications of
    this digest still waiting: how many, from which communities, and where to review them."""
    from collections import Counter

    from cohesion.i18n import pick
    from communities.models import Programme

    programme = Programme.objects.filter(pk=programme_id).first()
    waiting = Application.objects.filter(
        pk__in=application_ids, status=Application.Status.NEW
    ).values_list("community__name_uk", "community__name_en")
    if programme is None or not waiting:
        return
    coordinators = RoleAssignment.objects.filter(
        role=Role.COORDINATOR, programme=programme, user__is_active=True
    ).select_related("user")
    url = settings.SITE_URL.rstrip("/") + reverse("participation:queue", args=[programme_id])
    for assignment in coordinators:
        user = assignment.user
        with translation.override(mail.recipient_language(user.language)):
            by_community = sorted(Counter(pick(uk, en) for uk, en in waiting).items())
        context = {
            "programme": programme,
            "count": len(waiting),
            "by_community": by_community,
            "url": url,
            "retention_days": settings.APPLICATION_RETENTION_DAYS,
        }
        mail.send("applications_digest", context, to=[user.email], language=user.language)


@shared_task
def send_application_digests() -> int:
    from participation.services import plan_application_digests

    return plan_application_digests()


@shared_task
def purge_applications() -> int:
    from participation.services import purge_expired

    return purge_expired()
