"""State changes for meetings, their agenda, pre-reads, records and action items."""

import datetime
import os
import re
import uuid

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion import clock
from cohesion.text import clean_line, clean_text
from cohesion.uploads import check_zip
from communities.models import StakeholderCategory
from meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Decision,
    GuestCount,
    Meeting,
    PreRead,
    SheetExport,
    new_feed_token,
)
from workinggroups.models import WorkingGroup

MINUTES_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][^>]*>")


def sanitise_minutes(text: str) -> str:
    """Minutes as safe HTML: plain text keeps its paragraphs, line breaks and lists (lines
    starting with "-", "•", "*" or "1."); HTML keeps its structure but loses scripts, styles,
    event handlers and javascript: links (nh3)."""
    text = clean_text(text)
    # "Прийшло <5 людей" is plain text: only something that looks like a tag makes it HTML.
    if not LOOKS_LIKE_HTML.search(text):
        return plain_to_html(text)
    if "\n" in text and not BLOCK_TAG.search(text):
        # Text with a <b> here and there, typed with line breaks: the breaks are kept.
        text = "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in _paragraphs(text))
    return nh3.clean(
        text,
        tags=MINUTES_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


BLOCK_TAG = re.compile(r"<(p|br|ul|ol|li|h3|h4|blockquote|table)\b", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-–•*]|\d{1,2}[.)])\s+")
NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")


def _paragraphs(text: str) -> list[str]:
    return [part.strip("\n") for part in re.split(r"\n\s*\n", text) if part.strip()]


def plain_to_html(text: str) -> str:
    """Plain text as HTML: paragraphs at blank lines, line breaks kept, runs of lines starting
    with a bullet or a number made a list, everything escaped."""
    html = []
    for paragraph in _paragraphs(text):
        lines = paragraph.split("\n")
        block: list[str] = []
        for line in lines:
            if BULLET.match(line):
                kind = "ol" if NUMBERED.match(line) else "ul"
                if block and block[0] != kind:
                    html.append(_block(block))
                    block = []
                if not block:
                    block = [kind]
                block.append(BULLET.sub("", line, count=1))
            else:
                if block and block[0] in ("ul", "ol"):
                    html.append(_block(block))
                    block = []
                if not block:
                    block = ["p"]
                block.append(line)
        if block:
            html.append(_block(block))
    return "\n\n".join(html)


def _block(block: list[str]) -> str:
    kind, lines = block[0], block[1:]
    if kind == "p":
        return "<p>" + "<br>".join(escape(line) for line in lines) + "</p>"
    return f"<{kind}>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + f"</{kind}>"


def _operating(group: WorkingGroup) -> None:
    if group.status in (WorkingGroup.Status.CEASED, WorkingGroup.Status.SUSPENDED):
        raise ValidationError(
            _("The group is %(status)s: it holds no meetings.")
            % {"status": group.get_status_display().lower()}
        )


PLANNING_HORIZON = datetime.timedelta(days=2 * 366)


def _check_when_and_where(*, group, starts_at, format, place, online_link) -> None:
    """A meeting needs a place to go to (in person) and a link to follow (online), and a date
    between the group's founding and two years from now."""
    earliest = group.established_on or group.programme.start_date
    if timezone.localtime(starts_at).date() < earliest:
        raise ValidationError({"starts_at": _("The date is before the group was founded.")})
    if starts_at > clock.now() + PLANNING_HORIZON:
        raise ValidationError({"starts_at": _("Plan meetings at most two years ahead.")})
    if format != Meeting.Format.ONLINE and not clean_text(place):
        raise ValidationError({"place": _("Say where the meeting takes place.")})
    if format != Meeting.Format.IN_PERSON and not online_link:
        raise ValidationError({"online_link": _("Give the link for joining online.")})


@transaction.atomic
def meeting_schedule(
    *,
    group: WorkingGroup,
    starts_at: datetime.datetime,
    duration_minutes: int = 90,
    format: str = Meeting.Format.IN_PERSON,
    place: str = "",
    online_link: str = "",
    agenda: list[str] | None = None,
    held: bool = False,
    by: User | None = None,
) -> Meeting:
    """Plans a meeting; its agenda starts with the group's open actions, carried over.
    `held`: a meeting that already took place without being planned here, to be recorded
    next (its date is in the past, within the group's life)."""
    _operating(group)
    if held and starts_at > clock.now():
        raise ValidationError(
            {"starts_at": _("A meeting that took place is in the past: plan a future one.")}
        )
    if not held and starts_at < clock.now() - datetime.timedelta(hours=1):
        raise ValidationError(
            {
                "starts_at": _(
                    "A planned meeting cannot be in the past: record a meeting that already "
                    "took place instead."
                )
            }
        )
    _check_when_and_where(
        group=group, starts_at=starts_at, format=format, place=place, online_link=online_link
    )
    meeting = Meeting.objects.create(
        group=group,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        format=format,
        place=clean_text(place),
        online_link=online_link,
        created_by=by,
    )
    for position, title in enumerate(clean_text(item) for item in agenda or []):
        if title:
            AgendaItem.objects.create(meeting=meeting, position=position, title=title[:300])
    # A meeting recorded after the fact carries only what was open before it: not actions
    # agreed at a meeting since.
    meeting_carry_open_actions(meeting=meeting, agreed_before=starts_at if held else None)
    return meeting


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, title: str, by: User | None = None) -> AgendaItem:
    """Adds an item to a planned meeting's agenda, after the leader's other items."""
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Only a planned meeting's agenda can change."))
    position = meeting.agenda_items.filter(action_item__isnull=True).count()
    return AgendaItem.objects.create(
        meeting=meeting, position=position, title=clean_line(title)[:300]
    )


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: User | None = None) -> None:
    """Takes an item off a planned meeting's agenda."""
    if item.meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Only a planned meeting's agenda can change."))
    item.delete()


@transaction.atomic
def meeting_carry_open_actions(
    *, meeting: Meeting, agreed_before: datetime.datetime | None = None
) -> int:
    """Adds the group's open actions to a planned meeting's agenda, each once. The meeting row
    is locked so that two callers at once (a worker and the leader's button) cannot both add."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    carried = set(
        meeting.agenda_items.filter(action_item__isnull=False).values_list(
            "action_item_id", flat=True
        )
    )
    position = meeting.agenda_items.count()
    added = 0
    actions = meeting.group.action_items.open().exclude(pk__in=carried)
    if agreed_before is not None:
        actions = actions.filter(Q(meeting__starts_at__lt=agreed_before) | Q(meeting__isnull=True))
    for action in actions.order_by("due_on"):
        position += 1
        AgendaItem.objects.create(
            meeting=meeting,
            position=1000 + position,  # after the items the leader wrote
            title=(_("Open action: %(action)s") % {"action": action.description})[:300],
            action_item=action,
        )
        added += 1
    return added


def propose_next(group: WorkingGroup, today: datetime.date | None = None) -> datetime.datetime:
    """The next month's meeting on the same weekday of the same week and at the same time as
    the group's last one (the second Tuesday at 15:00 stays the second Tuesday at 15:00)."""
    today = today or clock.today()
    last = group.meetings.exclude(status=Meeting.Status.CANCELLED).order_by("-starts_at").first()
    if last is None:
        base = timezone.localtime(clock.now()).replace(hour=15, minute=0, second=0, microsecond=0)
        return base + datetime.timedelta(days=7)
    local = timezone.localtime(last.starts_at)
    week = (local.day - 1) // 7  # 0 = first such weekday of the month
    year, month = local.year, local.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        first = datetime.date(year, month, 1)
        offset = (local.weekday() - first.weekday()) % 7
        day = 1 + offset + 7 * min(week, 3)
        candidate = datetime.date(year, month, day)
        if candidate > today:
            naive = datetime.datetime.combine(candidate, local.time())
            return timezone.make_aware(naive)


@transaction.atomic
def meeting_update(*, meeting: Meeting, by: User | None = None, **fields) -> Meeting:
    """Changes when or where a planned meeting takes place; a change raises its calendar
    SEQUENCE and, once it is announced, is told to its members (meetings.reminders)."""
    from meetings import reminders  # which imports this module

    now = clock.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Only a planned meeting can be changed."))
    # Saving the form unchanged changes nothing: no new SEQUENCE, which would supersede a
    # change notice still waiting, and nothing to tell.
    changed = [name for name, value in fields.items() if getattr(meeting, name) != value]
    if not changed:
        return meeting
    before = reminders.told(meeting)
    for name in changed:
        setattr(meeting, name, fields[name])
    _check_when_and_where(
        group=meeting.group,
        starts_at=meeting.starts_at,
        format=meeting.format,
        place=meeting.place,
        online_link=meeting.online_link,
    )
    meeting.full_clean(exclude=["group", "created_by", "minutes"])
    meeting.sequence += 1
    meeting.save(update_fields=[*changed, "sequence"])
    reminders.notify_change(meeting=meeting, before=before, now=now)
    return meeting


@transaction.atomic
def meeting_call_off(
    *, meeting: Meeting, status: str, reason: str, note: str = "", by: User | None = None
) -> Meeting:
    """Cancels or postpones a planned meeting, with the reason (an air-raid alert, say); once
    it is announced, its members are told (meetings.reminders)."""
    from meetings import reminders  # which imports this module

    now = clock.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled or postponed."))
    if status not in (Meeting.Status.CANCELLED, Meeting.Status.POSTPONED):
        raise ValidationError(_("Choose “cancelled” or “postponed”."))
    if reason not in Meeting.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    before = reminders.told(meeting)
    meeting.status, meeting.status_reason, meeting.status_note = status, reason, clean_text(note)
    meeting.sequence += 1
    meeting.save(update_fields=["status", "status_reason", "status_note", "sequence"])
    reminders.notify_change(meeting=meeting, before=before, now=now)
    return meeting


class RecordAlreadySaved(Exception):
    """The record with this key was saved before (a phone sending it again): nothing to do."""


class RecordConflict(ValidationError):
    """The meeting was recorded after the form was opened: saving would silently replace a
    record its author never saw."""


# `seen_recorded_at` not given: the caller does not know what the form was opened on (a
# script or an old page), so the record replaces whatever is there, as before.
UNCHECKED = object()


@transaction.atomic
def meeting_log(
    *,
    meeting: Meeting,
    attendance: dict[int, str],
    guests: dict[int, int],
    minutes: str,
    decisions: list[str],
    new_actions: list[dict],
    outcomes: dict[int, str] | None = None,
    record_key: uuid.UUID | None = None,
    seen_recorded_at: datetime.datetime | object | None = UNCHECKED,
    by: User | None = None,
) -> Meeting:
    """Records a held meeting in one go: attendance of each current member, guests by
    category, sanitised minutes, decisions and new actions. Logging again replaces the record,
    but only the record the form was opened on (`seen_recorded_at`, None for none yet), and a
    record whose key was saved already is not saved again."""
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    # Both checks under the row lock: two sends of one record at once save it once.
    if record_key is not None and meeting.record_key == record_key:
        raise RecordAlreadySaved
    if seen_recorded_at is not UNCHECKED and meeting.recorded_at != seen_recorded_at:
        raise RecordConflict(
            _(
                "This meeting was recorded meanwhile (%(when)s), after this form was opened. "
                "Your text is kept: compare it with the saved record; saving it again "
                "replaces that record."
            )
            % {"when": formats.date_format(timezone.localtime(meeting.recorded_at), "j E, H:i")}
        )
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.POSTPONED):
        raise ValidationError(_("This meeting was called off; schedule a new one instead."))
    if meeting.starts_at > clock.now():
        raise ValidationError(_("The meeting has not started yet."))
    members = set(members_on(meeting).values_list("pk", flat=True))
    unknown = set(attendance) - members
    if unknown:
        raise ValidationError(_("Attendance can only be given for the group's members."))
    if set(attendance.values()) - set(Attendance.Status.values) or set(attendance) != members:
        raise ValidationError(_("Mark each member present, absent or excused."))
    if not any(status == Attendance.Status.PRESENT for status in attendance.values()) and not any(
        guests.values()
    ):
        raise ValidationError(_("Mark who was present: a held meeting has participants."))
    categories = set(StakeholderCategory.objects.values_list("pk", flat=True))
    if set(guests) - categories or any(count < 0 or count > 500 for count in guests.values()):
        raise ValidationError(_("Guest numbers must be between 0 and 500 per category."))

    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, membership_id=pk, status=status)
        for pk, status in attendance.items()
    )
    meeting.guests.all().delete()
    GuestCount.objects.bulk_create(
        GuestCount(meeting=meeting, category_id=pk, count=count)
        for pk, count in guests.items()
        if count
    )
    _keep_decisions(meeting, [text for text in map(clean_text, decisions) if text])
    for action in new_actions:
        owner = action["owner"]
        if owner.pk not in members:
            raise ValidationError(_("An action's owner must be a member of the group."))
        ActionItem.objects.create(
            group=meeting.group,
            meeting=meeting,
            description=clean_text(action["description"])[:500],
            owner=owner,
            due_on=action["due_on"],
        )
    items = {item.pk: item for item in meeting.agenda_items.all()}
    if set(outcomes or {}) - set(items):
        raise ValidationError(_("Outcomes can only be given for the meeting's agenda items."))
    changed = []
    for pk, text in (outcomes or {}).items():
        items[pk].outcome = sanitise_minutes(text)
        changed.append(items[pk])
    AgendaItem.objects.bulk_update(changed, ["outcome"])
    meeting.minutes = sanitise_minutes(minutes)
    meeting.status = Meeting.Status.HELD
    meeting.status_reason = ""
    meeting.recorded_at = clock.now()
    meeting.record_key = record_key
    meeting.save(update_fields=["minutes", "status", "status_reason", "recorded_at", "record_key"])
    return meeting


@transaction.atomic
def action_item_set_status(*, action: ActionItem, status: str, by: User | None = None) -> None:
    """Closes (done or dropped) or reopens an action."""
    if status not in ActionItem.Status.values:
        raise ValidationError(_("Unknown status."))
    action.status = status
    action.closed_on = None if status == ActionItem.Status.OPEN else clock.today()
    action.save(update_fields=["status", "closed_on"])


@transaction.atomic
def action_item_redate(
    *, action: ActionItem, due_on: datetime.date, by: User | None = None
) -> None:
    """Gives an open action a new due date from today on; should it go stale again, the next
    digest lists it again."""
    today = clock.today()
    if action.status != ActionItem.Status.OPEN:
        raise ValidationError(_("Only an open action gets a new due date."))
    if due_on < today:
        raise ValidationError({"due_on": _("The new due date cannot be in the past.")})
    if due_on > today + PLANNING_HORIZON:
        raise ValidationError({"due_on": _("Give a due date at most two years ahead.")})
    action.due_on, action.stale_reported_on = due_on, None
    action.save(update_fields=["due_on", "stale_reported_on"])


# Pre-reads: what people share before a meeting. The content is sniffed, not trusted from the
# browser's Content-Type, and stored under a random name outside the public media.
ZIP = b"PK\x03\x04"
# Ten times the largest upload: text compresses about that well, pictures hardly at all.
PREREAD_MAX_EXPANDED = 100 * 1024 * 1024
ALLOWED_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (ZIP,),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (ZIP,),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (ZIP,),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    ".txt": ("text/plain; charset=utf-8", ()),
}


def sniff(upload: UploadedFile, types: dict | None = None, refusal: str | None = None) -> str:
    """The upload's content type, once its first bytes show it is what its name says among
    `types` (extension -> content type and signatures; the pre-reads' by default); else
    ValidationError with `refusal`, or the pre-reads' message."""
    types = types or ALLOWED_TYPES
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in types:
        raise ValidationError(
            refusal or _("Upload a PDF, Word, Excel, PowerPoint, OpenDocument, text or image file.")
        )
    content_type, signatures = types[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures and not head.startswith(signatures):
        raise ValidationError(_("The file's content does not match its type (%(ext)s).")
                              % {"ext": extension})  # fmt: skip
    if signatures == (ZIP,):
        # Word, Excel, PowerPoint and OpenDocument files are zips: one that would expand far
        # beyond any document is refused before it reaches the members who open it.
        check_zip(upload, max_expanded=PREREAD_MAX_EXPANDED)
        upload.seek(0)
    if not signatures:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character cut at 2048 bytes is fine; anything else is not text.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(_("A text file must be UTF-8.")) from exc
        if b"\x00" in head:
            raise ValidationError(_("This is not a text file."))
    return content_type


@transaction.atomic
def preread_add(*, meeting: Meeting, upload: UploadedFile, by: User | None = None) -> PreRead:
    """Stores a pre-read after checking its size and that its content matches its type."""
    if upload.size > settings.PREREAD_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)s.")
            % {"size": filesizeformat(settings.PREREAD_MAX_BYTES)}
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    content_type = sniff(upload)
    original = os.path.basename(upload.name)[:255]
    upload.name = f"{uuid.uuid4().hex}{os.path.splitext(original)[1].lower()}"
    return PreRead.objects.create(
        meeting=meeting,
        file=upload,
        original_name=original,
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )


@transaction.atomic
def preread_remove(*, preread: PreRead) -> None:
    preread.file.delete(save=False)
    preread.delete()


@transaction.atomic
def calendar_feed_renew(*, group: WorkingGroup) -> CalendarFeed:
    """Gives the group a new secret feed address; the old one stops working at once."""
    feed, created = CalendarFeed.objects.get_or_create(group=group)
    if not created:
        feed.token = new_feed_token()
        feed.renewed_at = clock.now()
        feed.save(update_fields=["token", "renewed_at"])
    return feed


def members_on(meeting: Meeting):
    """Memberships open on the day of the meeting: the people whose attendance is recorded."""
    day = timezone.localtime(meeting.starts_at).date()
    return (
        meeting.group.memberships.filter(joined_on__lte=day)
        .exclude(left_on__lt=day)
        .select_related("person")
        .order_by("person__full_name")
    )


def _sheet_members(group: WorkingGroup):
    """Who is on the sheet: the group's current members (not those who left), by name."""
    return group.memberships.current().select_related("person").order_by("person__full_name")


@transaction.atomic
def attendance_sheet(
    *, group: WorkingGroup, by: User, format: str = SheetExport.Format.CSV
) -> bytes:
    """The group's current members, by name, with their role and a column to sign: what a
    leader takes to the meeting room (no contacts, no markers such as displacement or
    disability), as CSV or as a printable PDF in the reader's language. Each sheet taken is
    recorded (SheetExport), once the sheet is made."""
    if format not in SheetExport.Format.values:
        raise ValidationError(_("Choose CSV or PDF."))
    members = list(_sheet_members(group))
    if format == SheetExport.Format.PDF:
        content = _sheet_pdf(group, members)
    else:
        content = _sheet_csv(members)
    SheetExport.objects.create(group=group, exported_by=by, format=format)
    return content


def _sheet_csv(members) -> bytes:
    import csv
    import io

    from cohesion.text import defuse_formula

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["№", _("Full name"), _("Role in the group"), _("Present"), _("Signature")])
    for number, membership in enumerate(members, start=1):
        writer.writerow(
            [number, defuse_formula(membership.person.full_name),
             membership.get_role_display(), "", ""]
        )  # fmt: skip
    # The byte-order mark makes Excel read the Cyrillic as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_pdf(group: WorkingGroup, members) -> bytes:
    # Rendered here, in the request, unlike the plan and the progress report, which a worker
    # renders and stores. A sheet is small: measured, 0.2 s for 30-60 names, 0.45 s for 120;
    # the first one in a web process adds WeasyPrint's import (about 0.3 s) and about 45 MB to
    # that process. On the worker it would need a stored file, a status to poll and a second
    # download: a file of people's names left in storage, to be guarded and deleted later,
    # where the leader (often on a phone) wants the sheet in one step, as the CSV comes.
    # The renderer and its static-only url_fetcher are the plan's (safetyplans/pdf.py).
    from django.template.loader import render_to_string
    from django.utils.translation import get_language

    from safetyplans.pdf import html_to_pdf

    html = render_to_string(
        "meetings/pdf/attendance_sheet.html",
        {
            "group": group,
            "members": members,
            "language": get_language() or settings.LANGUAGE_CODE,
            "printed_on": clock.today(),
        },
    )
    return html_to_pdf(html)


def _keep_decisions(meeting: Meeting, texts: list[str]) -> None:
    """The meeting's decisions become `texts`, in order, keeping the rows (and what cites
    them: plan actions, recommendations) of decisions that stay: an unchanged text keeps its
    decision wherever it moves; an edited one takes the place of a changed decision in order;
    only decisions no longer there are deleted."""
    existing = list(meeting.decisions.order_by("position", "pk"))
    by_text: dict[str, list[Decision]] = {}
    for decision in existing:
        by_text.setdefault(decision.text, []).append(decision)
    kept: list[Decision | None] = [
        by_text[text].pop(0) if by_text.get(text) else None for text in texts
    ]
    spare = [d for d in existing if d.text in by_text and d in by_text[d.text]]
    changed, created = [], []
    for position, (text, decision) in enumerate(zip(texts, kept, strict=True)):
        if decision is None and spare:
            decision = spare.pop(0)
        if decision is None:
            created.append(Decision(meeting=meeting, position=position, text=text))
        elif (decision.position, decision.text) != (position, text):
            decision.position, decision.text = position, text
            changed.append(decision)
    Decision.objects.filter(pk__in=[d.pk for d in spare]).delete()
    Decision.objects.bulk_update(changed, ["position", "text"])
    Decision.objects.bulk_create(created)
