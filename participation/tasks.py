"""Emails about applications (outbox jobs: recorded with the change that asks for them, sent by
a worker, tried again after a failure), and the retention job."""

from celery import shared_task
from django.conf import settings
from django.urls import reverse

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
        role=Role.LEADER, working_group=membership.group
    ).select_related("user")
    url = settings.SITE_URL.rstrip("/") + membership.person.get_absolute_url()
    for assignment in leaders:
        user = assignment.user
        context = {"membership": membership, "url": url, "leader": user}
        mail.send("application_accepted_leader", context, to=[user.email], language=user.language)


@shared_task
def purge_applications() -> int:
    from participation.services import purge_expired

    return purge_expired()
