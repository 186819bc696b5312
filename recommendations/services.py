"""Every change to a recommendation: adopted at a meeting, sent, answered, followed by what
was done. Dates are checked against the one clock (`today`, read once by the caller's
operation); the document of an answer is checked for size and type before anything is
written, so a refused upload changes nothing."""

import datetime
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion.text import clean_text
from cohesion.uploads import check_size
from communities.models import Organisation
from meetings.models import Decision, Meeting
from meetings.services import ALLOWED_TYPES, sniff
from recommendations.models import Answer, Implementation, ImplementationStep, Recommendation

ANSWER_TYPES = {
    extension: ALLOWED_TYPES[extension] for extension in (".pdf", ".jpg", ".jpeg", ".png")
}


def default_deadline(sent_on: datetime.date) -> datetime.date:
    """The day an answer is due when the sender sets none (RECOMMENDATION_ANSWER_DAYS)."""
    return sent_on + datetime.timedelta(days=settings.RECOMMENDATION_ANSWER_DAYS)


def _meeting_day(meeting: Meeting) -> datetime.date:
    return timezone.localdate(meeting.starts_at)


def _check_sending(recommendation, sent_on, answer_due_on, today) -> datetime.date:
    if sent_on > today:
        raise ValidationError({"sent_on": _("The day it was sent cannot be in the future.")})
    if sent_on < _meeting_day(recommendation.meeting):
        raise ValidationError(
            {"sent_on": _("A recommendation is sent after the meeting that adopted it.")}
        )
    due = answer_due_on or default_deadline(sent_on)
    if due < sent_on:
        raise ValidationError(
            {"answer_due_on": _("The answer is due on or after the day it was sent.")}
        )
    return due


@transaction.atomic
def recommendation_adopt(
    *,
    meeting: Meeting,
    title: str,
    text: str,
    addressee: Organisation,
    decision: Decision | None = None,
    sent_on: datetime.date | None = None,
    letter_number: str = "",
    answer_due_on: datetime.date | None = None,
    today: datetime.date,
    by: User | None = None,
) -> Recommendation:
    """Records a recommendation adopted at a held meeting (from one of its decisions, if
    given), sent already if `sent_on` is given."""
    if meeting.status != Meeting.Status.HELD:
        raise ValidationError(_("A recommendation is adopted at a meeting that was held."))
    if decision is not None and decision.meeting_id != meeting.pk:
        raise ValidationError({"decision": _("Choose one of this meeting's decisions.")})
    recommendation = Recommendation(
        group_id=meeting.group_id,
        meeting=meeting,
        decision=decision,
        title=clean_text(title, multiline=False)[:300],
        text=clean_text(text),
        addressee=addressee,
        created_by=by,
    )
    if not recommendation.title or not recommendation.text:
        raise ValidationError(_("Give the recommendation a title and its text."))
    if sent_on is not None:
        recommendation.answer_due_on = _check_sending(recommendation, sent_on, answer_due_on, today)
        recommendation.sent_on = sent_on
        recommendation.letter_number = clean_text(letter_number, multiline=False)[:60]
    recommendation.save()
    return recommendation


@transaction.atomic
def recommendation_send(
    *,
    recommendation: Recommendation,
    sent_on: datetime.date,
    letter_number: str = "",
    answer_due_on: datetime.date | None = None,
    today: datetime.date,
) -> Recommendation:
    """Records (or corrects) how and when the recommendation was sent, and the day its answer
    is due (RECOMMENDATION_ANSWER_DAYS after sending unless given). Not once it is answered:
    the answer was judged against that deadline."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if Answer.objects.filter(recommendation=recommendation).exists():
        raise ValidationError(_("The answer is recorded already: the sending stays as it was."))
    recommendation.answer_due_on = _check_sending(recommendation, sent_on, answer_due_on, today)
    recommendation.sent_on = sent_on
    recommendation.letter_number = clean_text(letter_number, multiline=False)[:60]
    recommendation.save(update_fields=["sent_on", "answer_due_on", "letter_number"])
    return recommendation


def check_answer_document(upload: UploadedFile) -> str:
    """The document's content type, once its size and first bytes show it is the PDF, JPEG or
    PNG its name says."""
    check_size(upload, settings.RECOMMENDATION_ANSWER_MAX_BYTES)
    return sniff(upload, ANSWER_TYPES, _("Upload the answer as a PDF, JPEG or PNG file."))


@transaction.atomic
def answer_record(
    *,
    recommendation: Recommendation,
    outcome: str,
    received_on: datetime.date,
    summary: str = "",
    upload: UploadedFile | None = None,
    today: datetime.date,
    by: User | None = None,
) -> Answer:
    """Records the body's answer (or corrects it); a new document replaces the old one, whose
    file leaves the disk once the change is committed."""
    content_type = check_answer_document(upload) if upload is not None else None
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if outcome not in Answer.Outcome.values:
        raise ValidationError({"outcome": _("Choose what the body answered.")})
    if recommendation.sent_on is None:
        raise ValidationError(_("Record when the recommendation was sent first."))
    if received_on > today:
        raise ValidationError({"received_on": _("The answer cannot come in the future.")})
    if received_on < recommendation.sent_on:
        raise ValidationError(
            {"received_on": _("The answer comes on or after the day the recommendation was sent.")}
        )
    answer = Answer.objects.filter(recommendation=recommendation).first()
    old_file = answer.document.name if answer and answer.document else None
    answer = answer or Answer(recommendation=recommendation)
    answer.outcome, answer.received_on = outcome, received_on
    answer.summary = clean_text(summary)
    answer.recorded_by = by
    if upload is not None:
        original = os.path.basename(upload.name or "")[:255]
        upload.name = f"{uuid.uuid4().hex}{os.path.splitext(original)[1].lower()}"
        answer.document = upload
        answer.document_name, answer.document_type = original, content_type
        answer.document_size = upload.size
    answer.save()
    if upload is not None and old_file:
        storage = answer.document.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return answer


@transaction.atomic
def step_add(
    *,
    recommendation: Recommendation,
    on: datetime.date,
    text: str,
    status: str,
    today: datetime.date,
    by: User | None = None,
) -> ImplementationStep:
    """Adds what was done on a day; the recommendation's implementation becomes the status of
    its latest step (by date, then by when it was recorded)."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if on > today:
        raise ValidationError({"on": _("A step is recorded once it has been taken.")})
    if on < _meeting_day(recommendation.meeting):
        raise ValidationError({"on": _("A step comes after the meeting that adopted it.")})
    if status not in Implementation.values:
        raise ValidationError({"status": _("Choose how far it is implemented.")})
    text = clean_text(text)
    if not text:
        raise ValidationError({"text": _("Say what was done.")})
    step = ImplementationStep.objects.create(
        recommendation=recommendation, on=on, text=text, status=status, recorded_by=by
    )
    latest = (
        ImplementationStep.objects.filter(recommendation=recommendation)
        .order_by("-on", "-recorded_at", "-pk")
        .values_list("status", flat=True)
        .first()
    )
    if recommendation.implementation != latest:
        recommendation.implementation = latest
        recommendation.save(update_fields=["implementation"])
    return step
