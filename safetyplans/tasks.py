"""Rendering the PDF of an approved plan, once, on a worker, with progress the page can show."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.db.models import F

from cohesion import clock, jobs, outbox
from cohesion.broker import dispatch
from safetyplans.models import PlanDocument

logger = logging.getLogger(__name__)

# A rendering claimed longer ago than this belongs to a dead worker and may be taken over (a
# rendering is killed after 150 s).
STALE_AFTER = datetime.timedelta(seconds=settings.PLAN_PDF_CLAIM_TIMEOUT)
MAX_ATTEMPTS = 3


def _progress(document_id: int, value: int) -> None:
    PlanDocument.objects.filter(pk=document_id, status=PlanDocument.Status.RENDERING).update(
        progress=value
    )


@shared_task(bind=True, acks_late=True, soft_time_limit=120, time_limit=150, max_retries=2)
def render_plan_document(self, document_id: int) -> str:
    from safetyplans import pdf
    from safetyplans.services import document_store

    # Of two workers given the same document, one renders; the attempt is counted in the claim.
    if not jobs.claim(
        PlanDocument, document_id,
        waiting=PlanDocument.Status.QUEUED, running=PlanDocument.Status.RENDERING,
        now=clock.now(), timeout=STALE_AFTER, progress=10, attempts=F("attempts") + 1,
    ):  # fmt: skip
        return "not claimed"
    document = PlanDocument.objects.select_related(
        "version__plan__group__community", "version__plan__group__programme"
    ).get(pk=document_id)
    try:
        html = pdf.plan_html(document.version, document.language)
        _progress(document_id, 40)
        data = pdf.html_to_pdf(html)
        _progress(document_id, 90)
        document_store(document, data)
    except Exception as error:
        logger.exception("rendering plan PDF %s failed", document_id)
        failed = document.attempts >= MAX_ATTEMPTS
        PlanDocument.objects.filter(pk=document_id).update(
            status=PlanDocument.Status.FAILED if failed else PlanDocument.Status.QUEUED,
            progress=0,
            error=f"{type(error).__name__}: {error}"[:500],
        )
        if not failed and not self.request.is_eager:
            raise self.retry(exc=error, countdown=30 * 2 ** (document.attempts - 1)) from error
        # Eager (no broker): the document stays queued and the beat task tries it again.
        return "failed"
    return "ready"


@shared_task
def render_waiting_documents() -> int:
    """Requeues PDFs left waiting (a broker that was down) or claimed by a dead worker."""
    ids = jobs.left_waiting(
        PlanDocument, waiting=PlanDocument.Status.QUEUED, running=PlanDocument.Status.RENDERING,
        now=clock.now(), timeout=STALE_AFTER,
    )  # fmt: skip
    for document_id in ids:
        dispatch(render_plan_document, document_id)
    return len(ids)


@outbox.job
def notify_plan_decision(version_id: int) -> int:
    """Tells the group's leader(s) that their plan was returned for revision or approved.
    Returns the number of emails sent."""
    from django.conf import settings

    from accounts.models import Role, RoleAssignment
    from cohesion import mail
    from safetyplans.models import PlanVersion

    version = (
        PlanVersion.objects.select_related("plan__group__community", "plan__group__programme")
        .filter(
            pk=version_id, status__in=[PlanVersion.Status.RETURNED, PlanVersion.Status.APPROVED]
        )
        .first()
    )
    if version is None:
        return 0
    group = version.plan.group
    leaders = RoleAssignment.objects.filter(role=Role.LEADER, working_group=group).select_related(
        "user"
    )
    url = settings.SITE_URL.rstrip("/") + version.get_absolute_url()
    sent = 0
    for assignment in leaders:
        user = assignment.user
        context = {"version": version, "plan": version.plan, "url": url, "leader": user}
        mail.send("plan_decision", context, to=[user.email], language=user.language)
        sent += 1
    return sent


@outbox.job
def notify_plan_submitted(version_id: int) -> int:
    """Tells the programme's active coordinators, each in their language, that a plan was
    sent for review, and whether it comes back after their comments (then the link opens the
    changes since). Not the coordinator who sent it. Returns the number of emails sent."""
    from django.conf import settings

    from accounts.models import Role, RoleAssignment
    from cohesion import mail
    from safetyplans.models import PlanVersion

    version = (
        PlanVersion.objects.select_related(
            "plan__group__community", "plan__group__programme", "submitted_by"
        )
        .filter(pk=version_id, status=PlanVersion.Status.IN_REVIEW)
        .first()
    )
    if version is None:
        return 0
    latest_round = version.review_rounds.order_by("-number").first()
    coordinators = RoleAssignment.objects.filter(
        role=Role.COORDINATOR,
        programme=version.plan.group.programme_id,
        working_group__isnull=True,
        user__is_active=True,
    ).select_related("user")
    if version.submitted_by_id:
        coordinators = coordinators.exclude(user=version.submitted_by_id)
    url = settings.SITE_URL.rstrip("/") + version.get_absolute_url()
    if latest_round:
        url += "#since-review"
    sent = 0
    for assignment in coordinators:
        user = assignment.user
        context = {
            "version": version,
            "plan": version.plan,
            "url": url,
            "round": latest_round,
            "coordinator": user,
        }
        mail.send("plan_submitted", context, to=[user.email], language=user.language)
        sent += 1
    return sent
