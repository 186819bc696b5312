"""Emails about applications, and the retention job."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Role, RoleAssignment
from participation.models import Application
from workinggroups.models import Membership

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "retry_jitter": True, "max_retries": 5}


def _send(template: str, context: dict, to: list[str], language: str) -> None:
    with translation.override(language):
        message = EmailMultiAlternatives(
            subject=render_to_string(f"emails/{template}_subject.txt", context).strip(),
            body=render_to_string(f"emails/{template}_body.txt", context),
            to=to,
        )
        message.attach_alternative(
            render_to_string(f"emails/{template}_body.html", context), "text/html"
        )
        message.send()


@shared_task(**RETRY)
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
    _send("application_received", context, [application.email], application.language)


@shared_task(**RETRY)
def send_decline(email: str, name: str, language: str, programme_id: int, reason: str) -> None:
    from communities.models import Programme

    programme = Programme.objects.filter(pk=programme_id).first()
    with translation.override(language):
        # The title in the applicant's language, not the coordinator's.
        title = programme.title if programme else ""
    context = {"name": name, "programme": title, "reason": reason}
    _send("application_declined", context, [email], language)


@shared_task(**RETRY)
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
        _send("application_accepted_leader", context, [user.email], user.language or "uk")


@shared_task
def purge_applications() -> int:
    from participation.services import purge_expired

    return purge_expired()
