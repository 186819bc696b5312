"""The protocol of a held meeting, in the form a council expects ("ПРОТОКОЛ № … засідання
робочої групи"), as a PDF rendered on a worker; and the scan of the signed protocol attached
back to the meeting.

A protocol names the members present and absent with their stakeholder category, never a
marker such as displacement, disability or military service: it leaves the system for the
council's files."""

import datetime
import os
import uuid

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from cohesion import clock
from cohesion.broker import dispatch_on_commit
from cohesion.i18n import pick
from cohesion.uploads import check_size
from meetings.models import Attendance, Meeting, Protocol, SignedProtocol
from meetings.services import ALLOWED_TYPES, MINUTES_TAGS, members_on, sniff
from workinggroups.models import Membership

# --- requesting and storing ------------------------------------------------------------------


def protocol_number(meeting: Meeting) -> int:
    """The meeting's place in its group's series of held meetings, counted from the first."""
    return Meeting.objects.filter(
        group_id=meeting.group_id, status=Meeting.Status.HELD, starts_at__lte=meeting.starts_at
    ).count()


@transaction.atomic
def protocol_request(*, meeting: Meeting, languages: str, by: User | None = None) -> Protocol:
    """Queues a new version of a held meeting's protocol, rendered on a worker after the
    commit; while one is still being made, that one is returned instead of a second."""
    from meetings.tasks import render_protocol

    if languages not in Protocol.Languages.values:
        raise ValidationError(_("Choose the protocol's language."))
    # The meeting row is locked: two requests at once make one version, not two.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.HELD or meeting.recorded_at is None:
        raise ValidationError(_("A protocol is made of a held meeting whose record is logged."))
    pending = meeting.protocols.filter(
        status__in=[Protocol.Status.QUEUED, Protocol.Status.RENDERING]
    ).first()
    if pending:
        return pending
    latest = meeting.protocols.aggregate(latest=Max("version"))["latest"] or 0
    try:
        with transaction.atomic():
            protocol = Protocol.objects.create(
                meeting=meeting,
                version=latest + 1,
                number=protocol_number(meeting),
                languages=languages,
                record_logged_at=meeting.recorded_at,
                requested_by=by,
            )
    except IntegrityError as error:  # the lock makes this unreachable; said plainly if not
        raise ValidationError(_("The protocol is already being made.")) from error
    # If the broker is down, the sweep (render_waiting_protocols) queues it later.
    dispatch_on_commit(render_protocol, protocol.pk)
    return protocol


def protocol_store(protocol: Protocol, pdf: bytes, *, record_logged_at) -> None:
    """Keeps the rendered PDF and the record it was made from; the version is ready."""
    protocol.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
    Protocol.objects.filter(pk=protocol.pk).update(
        file=protocol.file.name,
        size=len(pdf),
        record_logged_at=record_logged_at,
        status=Protocol.Status.READY,
        progress=100,
        error="",
        rendered_at=clock.now(),
    )


def protocol_filename(protocol: Protocol) -> str:
    day = timezone.localtime(protocol.meeting.starts_at).date()
    suffix = "" if protocol.languages == Protocol.Languages.UK else "-uk-en"
    return f"protocol-{protocol.number}-{day:%Y-%m-%d}-v{protocol.version}{suffix}.pdf"


# Versions listed on the meeting's page; older ones stay stored.
VERSIONS_SHOWN = 5


def protocol_page_data(meeting: Meeting) -> dict:
    """The latest versions, whether the record changed since the latest one, and the signed
    scan: two queries, whatever the number of versions."""
    versions = list(meeting.protocols.select_related("requested_by")[:VERSIONS_SHOWN])
    return {
        "protocols": versions,
        "record_changed": bool(versions) and versions[0].record_changed(meeting),
        "signed_protocol": SignedProtocol.objects.filter(meeting=meeting)
        .select_related("uploaded_by")
        .first(),
    }


# --- what the protocol says ------------------------------------------------------------------


def _languages(protocol: Protocol) -> list[str]:
    return ["uk"] if protocol.languages == Protocol.Languages.UK else ["uk", "en"]


def _in_each(languages: list[str], make) -> str:
    """`make()` in each language, joined: "Поліція / Police"."""
    parts = []
    for language in languages:
        with translation.override(language):
            parts.append(str(make()))
    return " / ".join(dict.fromkeys(parts))  # the same word twice is said once


def _minutes(html: str) -> str:
    # Stored minutes are sanitised when saved; cleaned again here, to the same tags, so that
    # nothing written around the service (the admin, an old row) reaches the renderer.
    return nh3.clean(
        html or "",
        tags=MINUTES_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )


def _column(language: str, *, meeting: Meeting, number: int, present: int, members: int) -> dict:
    """The protocol's fixed words and the meeting's particulars in one language."""
    group, start = meeting.group, timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.ends_at)
    with translation.override(language):
        place = meeting.get_format_display()
        if meeting.format != Meeting.Format.ONLINE and meeting.place:
            place = f"{meeting.place} ({place.lower()})"
        return {
            "language": language,
            "title": _("PROTOCOL No. %(number)s") % {"number": number},
            "of_meeting": _("of the meeting of the working group"),
            "group": group.name,
            "community": group.community.full_name,
            "programme": _("Programme: %(title)s")
            % {"title": pick(group.programme.title_uk, group.programme.title_en)},
            "date": _("Date: %(date)s") % {"date": formats.date_format(start, "j E Y")},
            "time": _("Time: %(start)s–%(end)s")
            % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
            "place": _("Place: %(place)s") % {"place": place},
            "chair": _("Chair of the meeting:"),
            "secretary": _("Secretary of the meeting:"),
            "present": ngettext(
                "PRESENT: %(present)s of %(members)s member",
                "PRESENT: %(present)s of %(members)s members",
                members,
            )
            % {"present": present, "members": members},
            "absent": _("ABSENT:"),
            "excused": _("excused"),
            "guests": _("INVITED GUESTS:"),
            "agenda": _("AGENDA"),
            "heard": _("HEARD:"),
            "spoke": _("SPOKE:"),
            "decided": _("DECIDED:"),
            "all_items": _("On the agenda as a whole"),
            "actions": _("ACTIONS AGREED"),
            "action": _("Action"),
            "owner": _("Responsible"),
            "due": _("Due"),
            "signature": _("signature"),
            "name": _("surname and initials"),
            "nobody": _("None."),
            "no_decisions": _("No decisions were recorded."),
            "no_minutes": _("No discussion was recorded."),
            "page": _("Page"),
        }


def _person(membership: Membership | None) -> str:
    return membership.person.full_name if membership else ""


def protocol_context(protocol: Protocol) -> dict:
    """Everything the protocol's template shows, read once. Per item, what the record holds:
    the agenda item's title is what was heard, its outcome (said and agreed on it) what was
    decided; the meeting's minutes and decisions follow the agenda as a whole (or the one
    item, when there is only one and it has no outcome of its own)."""
    meeting = (
        Meeting.objects.select_related("group__community", "group__programme")
        .prefetch_related("agenda_items")
        .get(pk=protocol.meeting_id)
    )
    languages = _languages(protocol)
    rows = list(
        meeting.attendance.select_related("membership__person", "membership__category").order_by(
            "membership__person__full_name", "pk"
        )
    )
    present = [row for row in rows if row.status == Attendance.Status.PRESENT]
    away = [row for row in rows if row.status != Attendance.Status.PRESENT]

    def seat(row):
        category = row.membership.category
        return {
            "name": row.membership.person.full_name,
            "category": _in_each(languages, lambda: pick(category.name_uk, category.name_en)),
            "excused": row.status == Attendance.Status.EXCUSED,
        }

    officers = {
        membership.role: membership
        for membership in members_on(meeting).filter(
            role__in=[Membership.Role.LEADER, Membership.Role.SECRETARY]
        )
    }
    agenda = list(meeting.agenda_items.all())
    for item in agenda:
        item.outcome_html = _minutes(item.outcome)
    decisions = [decision.text for decision in meeting.decisions.all()]
    minutes = _minutes(meeting.minutes)
    guests = [
        {
            "category": _in_each(
                languages, lambda g=guest: pick(g.category.name_uk, g.category.name_en)
            ),
            "count": guest.count,
        }
        for guest in meeting.guests.select_related("category").order_by("category__position")
    ]
    actions = [
        {
            "description": action.description,
            "owner": action.owner.person.full_name,
            "due": action.due_on,
        }
        for action in meeting.action_items.select_related("owner__person").order_by("due_on", "pk")
    ]
    columns = [
        _column(
            language,
            meeting=meeting,
            number=protocol.number,
            present=len(present),
            members=len(rows),
        )
        for language in languages
    ]
    return {
        "protocol": protocol,
        "meeting": meeting,
        "columns": columns,
        # Fixed words said inline, in each language: "excused / excused" is said once.
        "both": {key: " / ".join(dict.fromkeys(c[key] for c in columns)) for key in columns[0]},
        "bilingual": len(columns) > 1,
        "present": [seat(row) for row in present],
        "absent": [seat(row) for row in away],
        "guests": guests,
        "chair": _person(officers.get(Membership.Role.LEADER)),
        "secretary": _person(officers.get(Membership.Role.SECRETARY)),
        "agenda": agenda,
        # One item: the record is that item's. Several: it follows them, for all of them.
        "outcome_per_item": len(agenda) == 1 and not agenda[0].outcome_html,
        "minutes": minutes,
        "decisions": decisions,
        "actions": actions,
    }


def protocol_html(protocol: Protocol) -> tuple[str, datetime.datetime | None]:
    """The protocol's HTML, and the record (the meeting's recorded_at) it was made from."""
    # Read before the content: a record logged again meanwhile makes the version look older
    # than it is ("changed since"), never newer.
    recorded_at = (
        Meeting.objects.filter(pk=protocol.meeting_id).values_list("recorded_at", flat=True).get()
    )
    with translation.override("uk"):
        html = render_to_string("meetings/pdf/protocol.html", protocol_context(protocol))
    return html, recorded_at


# --- the signed scan -------------------------------------------------------------------------

SCAN_TYPES = {
    extension: ALLOWED_TYPES[extension] for extension in (".pdf", ".jpg", ".jpeg", ".png")
}


def check_scan(upload: UploadedFile) -> str:
    """The scan's content type, once its size and its first bytes show it is the PDF, JPEG or
    PNG its name says (a renamed binary is refused), as pre-reads are checked."""
    check_size(upload, settings.PROTOCOL_SCAN_MAX_BYTES)
    return sniff(upload, SCAN_TYPES, _("Upload the signed protocol as PDF, JPEG or PNG."))


@transaction.atomic
def signed_protocol_attach(
    *, meeting: Meeting, upload: UploadedFile, by: User | None = None
) -> SignedProtocol:
    """Attaches the scan of the signed protocol to a held meeting, replacing an earlier one;
    the earlier file leaves the disk only once the new one is committed."""
    if meeting.status != Meeting.Status.HELD:
        raise ValidationError(_("A signed protocol is attached to a held meeting."))
    content_type = check_scan(upload)
    original = os.path.basename(upload.name or "")[:255]
    upload.name = f"{uuid.uuid4().hex}{os.path.splitext(original)[1].lower()}"
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    scan = SignedProtocol.objects.filter(meeting=meeting).first()
    old_file = scan.file.name if scan else None
    fields = ["file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    replacing = scan is not None
    scan = scan or SignedProtocol(meeting=meeting)
    scan.file = upload
    scan.original_name, scan.content_type, scan.size = original, content_type, upload.size
    scan.uploaded_by, scan.uploaded_at = by, clock.now()
    scan.save(update_fields=fields if replacing else None)
    if old_file:
        storage = scan.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return scan
