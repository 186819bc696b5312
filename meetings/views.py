"""Meetings: the leader's working page, planning, the record, pre-reads, actions, the
compliance grid and the calendar feed. Who may see or change each is decided in
meetings/access.py."""

import copy
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohesion import clock
from cohesion.storage import private_file_response
from communities.access import access_programme
from communities.models import StakeholderCategory
from meetings import ical
from meetings.access import (
    access_action,
    access_agenda_item,
    access_feed,
    access_meeting,
    access_preread,
    follows_reminders,
)
from meetings.followup_views import plan_progress_panel
from meetings.forms import (
    ActionRedateForm,
    ActionStatusForm,
    AgendaItemForm,
    CallOffForm,
    LogMeetingForm,
    MeetingForm,
    PreReadForm,
    record_basis,
)
from meetings.models import (
    Attendance,
    Meeting,
    Reminder,
)
from meetings.protocol_views import protocol_panel
from meetings.reminders import meeting_send_agenda
from meetings.selectors import (
    LABELS,
    compliance,
    compliance_rate,
    monthly_totals,
    open_actions,
    reminders_of,
)
from meetings.services import (
    RecordAlreadySaved,
    RecordConflict,
    action_item_redate,
    action_item_set_status,
    agenda_item_add,
    agenda_item_remove,
    calendar_feed_renew,
    meeting_call_off,
    meeting_log,
    meeting_schedule,
    meeting_update,
    members_on,
    preread_add,
    preread_remove,
    propose_next,
)
from meetings.services import (
    attendance_sheet as sheet_of,
)
from safetyplans.selectors import decisions_with_followups
from workinggroups.access import access_group, manages
from workinggroups.models import WorkingGroup


def group_meetings(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader's working page: the next meeting, what is missing, overdue actions."""
    group = access_group(request.user, pk)
    may_manage = manages(request.user, group)
    now = clock.now()
    meetings = list(
        group.meetings.annotate(
            present=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT))
        ).order_by("-starts_at")[:24]
    )
    upcoming = [m for m in meetings if m.status == Meeting.Status.PLANNED and m.starts_at >= now]
    context = {
        "group": group,
        "manages": may_manage,
        "meetings": meetings,
        "next_meeting": upcoming[-1] if upcoming else None,
        "unlogged": [m for m in meetings if m.needs_record],
        # A group that carries on after its programme still plans its meetings here.
        "proposed": propose_next(group)
        if may_manage and (group.is_operating or group.status == WorkingGroup.Status.INDEPENDENT)
        else None,
    }
    if may_manage:
        actions = open_actions(group, clock.day_of(now))
        context["stale_actions"] = [a for a in actions if a.state == "stale"]
        context["open_actions"] = [a for a in actions if a.state != "stale"]
        context["redate_to"] = clock.day_of(now) + datetime.timedelta(days=30)
        context["stale_after_days"] = settings.ACTION_STALE_AFTER_DAYS
        context["feed"] = getattr(group, "calendar_feed", None)
        context["sheets"] = group.sheet_exports.select_related("exported_by")[:5]
    return render(request, "meetings/group_meetings.html", context)


def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk, manage=True)
    initial = {"starts_at": timezone.localtime(propose_next(group)), "format": "in_person"}
    last = group.meetings.exclude(place="").order_by("-starts_at").first()
    if last:
        initial.update(place=last.place, duration_minutes=last.duration_minutes)
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "agenda"}
        try:
            meeting = meeting_schedule(
                group=group, agenda=form.agenda_items(), by=request.user, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting has been planned."))
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "group": group})


def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, pk, manage=True)
    # The form writes its values on the instance it edits: give it a copy, so that the
    # service sees what changed.
    form = MeetingForm(request.POST or None, instance=copy.copy(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting has been saved."))
            return redirect(meeting)
    context = {"form": form, "group": meeting.group, "meeting": meeting}
    return render(request, "meetings/meeting_form.html", context)


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, pk)
    may_manage = manages(request.user, meeting.group)
    context = {
        "meeting": meeting,
        "manages": may_manage,
        "agenda": meeting.agenda_items.select_related("action_item__owner__person"),
        # Each with the plan actions it fed (templates/meetings/_decision_followups.html).
        "decisions": decisions_with_followups(meeting, request.user, drafts=may_manage),
        "attendance_counts": dict(
            meeting.attendance.values_list("status").annotate(n=Count("pk")).order_by()
        ),
        "guests": meeting.guests.select_related("category"),
    }
    if may_manage:
        context.update(
            prereads=meeting.prereads.all(),
            attendance=meeting.attendance.select_related("membership__person").order_by(
                "membership__person__full_name"
            ),
            actions=meeting.action_items.select_related("owner__person"),
            agenda_form=AgendaItemForm(),
            preread_form=PreReadForm(),
            preread_limit=settings.PREREAD_MAX_BYTES,
        )
        if meeting.status == Meeting.Status.HELD:
            context.update(protocol_panel(meeting))
            context.update(plan_progress_panel(meeting))
    return render(request, "meetings/meeting_detail.html", context)


def meeting_call_off_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, pk, manage=True)
    form = CallOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_call_off(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting has been called off."))
            return redirect("meetings:group_meetings", pk=meeting.group_id)
    return render(request, "meetings/call_off.html", {"form": form, "meeting": meeting})


def meeting_log_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One screen for a phone: attendance checklist, guests, an outcome per agenda item,
    minutes, decisions, actions. "Everyone present" and "another action" work without a
    script too: they show the form again, changed, and save nothing. A record kept on the
    phone while offline (static/js/outbox.js) is posted here with `X-Cohesion-Outbox: 1` and
    answered in JSON: saved, already saved (its key), or refused (409 for a record saved
    meanwhile, 400 for one the server cannot take), the phone keeping the text."""
    meeting = access_meeting(request.user, pk, manage=True)
    data = request.POST or None
    outbox = data is not None and request.headers.get("X-Cohesion-Outbox") == "1"
    if data is not None and "all_present" in data:
        data = data.copy()
        for key in [k for k in data if k.startswith("attendance_")] + [
            f"attendance_{m.pk}" for m in members_on(meeting)
        ]:
            data.setdefault(key, Attendance.Status.PRESENT)
            if not data.get(key):
                data[key] = Attendance.Status.PRESENT
    form = LogMeetingForm(
        data,
        members=members_on(meeting),
        categories=StakeholderCategory.objects.visible_to(request.user),
        meeting=meeting,
        agenda=meeting.agenda_items.select_related("action_item__owner__person"),
    )
    only_showing = data is not None and ("all_present" in data or "add_action" in data)
    if data is not None and not only_showing:
        try:
            # Sent again after the members changed, say: still the record already saved.
            if meeting.record_key and str(meeting.record_key) == data.get("record_key", ""):
                raise RecordAlreadySaved
            if form.is_valid():
                meeting_log(
                    meeting=meeting,
                    attendance=form.attendance(),
                    guests=form.guests(),
                    minutes=form.cleaned_data["minutes"],
                    decisions=form.decision_lines(),
                    new_actions=form.new_actions,
                    outcomes=form.outcomes(),
                    record_key=form.cleaned_data["record_key"],
                    seen_recorded_at=form.seen_recorded_at(),
                    by=request.user,
                )
                return _record_saved(request, meeting, outbox, again=False)
        except RecordAlreadySaved:
            return _record_saved(request, meeting, outbox, again=True)
        except RecordConflict as error:
            form.add_error(None, error)
            # Saving this form again is a choice made having seen the message: it replaces
            # the record saved meanwhile.
            form.data = form.data.copy()
            meeting.refresh_from_db(fields=["recorded_at"])
            form.data["record_basis"] = record_basis(meeting)
            if outbox:
                return JsonResponse(
                    {"status": "conflict", "message": error.messages[0]}, status=409
                )
        except ValidationError as error:
            form.add_error(None, error)
        if outbox:
            errors = [e for field in form.errors.values() for e in field]
            return JsonResponse({"status": "invalid", "message": " ".join(errors)}, status=400)
    if only_showing:
        form.errors.clear()  # shown again to go on filling in, not judged yet
    return render(request, "meetings/log.html", {"form": form, "meeting": meeting})


def _record_saved(request: HttpRequest, meeting: Meeting, outbox: bool, *, again: bool):
    if again:
        message, status = _("This record had already been saved."), "already_saved"
    else:
        message, status = _("The meeting record has been saved."), "saved"
    if outbox:
        return JsonResponse({"status": status, "message": message})
    messages.success(request, message)
    return redirect(meeting)


def meeting_record_past(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting that took place without being planned here: when and where, then the same
    record form as any meeting."""
    group = access_group(request.user, pk, manage=True)
    initial = {"format": "in_person"}
    last = group.meetings.exclude(place="").order_by("-starts_at").first()
    if last:
        initial.update(place=last.place, duration_minutes=last.duration_minutes)
    form = MeetingForm(request.POST or None, initial=initial, held=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "agenda"}
        try:
            meeting = meeting_schedule(
                group=group, agenda=form.agenda_items(), held=True, by=request.user, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("meetings:log", pk=meeting.pk)
    context = {"form": form, "group": group, "held": True}
    return render(request, "meetings/meeting_form.html", context)


@require_POST
def send_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """Sends the agenda and invitation to the members now (each once, however often pressed)."""
    meeting = access_meeting(request.user, pk, manage=True)
    try:
        meeting_send_agenda(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The agenda is on its way to the members."))
    return redirect(meeting)


@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, pk, manage=True)
    form = AgendaItemForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("title", []))
        agenda_item_add(meeting=meeting, title=form.cleaned_data["title"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(meeting)


@require_POST
def agenda_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_agenda_item(request.user, pk, manage=True)
    try:
        agenda_item_remove(item=item, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(item.meeting)


@require_POST
def preread_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, pk, manage=True)
    form = PreReadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            preread_add(meeting=meeting, upload=form.cleaned_data["file"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The pre-read has been added."))
    else:
        messages.error(request, " ".join(form.errors.get("file", [])))
    return redirect(meeting)


def preread_download(request: HttpRequest, pk: int) -> FileResponse:
    """Served only to those who manage the meeting: its group's leader and coordinators."""
    preread = access_preread(request.user, pk)
    return private_file_response(
        preread.file, filename=preread.original_name, content_type=preread.content_type
    )


@require_POST
def preread_delete(request: HttpRequest, pk: int) -> HttpResponse:
    preread = access_preread(request.user, pk)
    meeting = preread.meeting
    preread_remove(preread=preread)
    return redirect(meeting)


@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = access_action(request.user, pk, manage=True)
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        action_item_set_status(action=action, status=form.cleaned_data["status"], by=request.user)
    return redirect("meetings:group_meetings", pk=action.group_id)


@require_POST
def action_redate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new due date for an open action, most often a stale one."""
    action = access_action(request.user, pk, manage=True)
    form = ActionRedateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors.get("due_on", [])))
        action_item_redate(action=action, due_on=form.cleaned_data["due_on"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The action is now due on %(date)s.")
            % {"date": formats.date_format(action.due_on, "j E Y")},
        )
    return redirect("meetings:group_meetings", pk=action.group_id)


# A national programme has 1,500 groups: the grid shows them a page at a time, twelve months
# at a time (or the whole period on request); the whole grid goes to an export.
GRID_GROUPS_PER_PAGE = 50
GRID_MONTHS = 12


def _month_back(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def programme_compliance(request: HttpRequest, pk: int) -> HttpResponse:
    """Groups by months: held, planned, missed, due, or not expected. The body is kept per
    version of the programme's figures (dashboards.page.programme_body)."""
    from dashboards.page import programme_page

    programme = access_programme(request.user, pk)
    return programme_page(
        request,
        programme,
        "compliance",
        lambda: render_to_string(
            "meetings/_compliance_body.html",
            _compliance_context(request, programme),
            request=request,
        ),
        "meetings/compliance.html",
        {"programme": programme},
    )


def _compliance_context(request: HttpRequest, programme) -> dict:
    from dashboards.access import follows_progress

    today = clock.today()
    end = min(programme.ends_on, today)
    whole = request.GET.get("period") == "all"
    # Twelve months ending with `until` (a month, YYYY-MM), by default the latest ones.
    until = end
    chosen = str(request.GET.get("until", ""))[:7]
    try:
        year, month = (int(part) for part in chosen.split("-"))
        month_after = _month_back(datetime.date(year, month, 1), -1)
        until = min(end, month_after - datetime.timedelta(days=1))
    except ValueError:
        pass
    until = max(until, programme.start_date)
    first = (
        programme.start_date
        if whole
        else max(programme.start_date, _month_back(until.replace(day=1), GRID_MONTHS - 1))
    )
    last = end if whole else until
    groups = (
        WorkingGroup.objects.visible_to(request.user)
        .filter(programme=programme)
        .select_related("community")
        .order_by("community__name_uk")
    )
    page = Paginator(groups, GRID_GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    grid = compliance(programme, list(page), first=first, last=last, today=today)
    rate = grid.rate
    if page.paginator.num_pages > 1:
        # The rate of every group the user sees, not of this page's: the dashboard's figure
        # when that is everyone's, from its cache.
        if page.paginator.count == programme.working_groups.count():
            from dashboards.cache import figures
            from dashboards.indicators import Period

            data, _key = figures(programme, Period(first, last), today=today)
            rate = data.values["compliance_rate"]
        else:
            rate = compliance_rate(
                monthly_totals(programme, groups, first=first, last=last, today=today)
            )
    return {
        "programme": programme,
        "grid": grid,
        "page": page,
        "rate": rate,
        "labels": LABELS,
        "all": whole,
        # The exports page is for those who follow the programme's progress.
        "can_export": follows_progress(request.user, programme),
        "earlier": None if whole or first <= programme.start_date else _month_back(first, 1),
        "later": None if whole or last >= end else _month_back(last.replace(day=1), -GRID_MONTHS),
    }


def programme_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    """What the reminders did: failures first, for the programme's coordinators."""
    programme = access_programme(request.user, pk)
    if not follows_reminders(request.user, programme):
        raise PermissionDenied
    reminders = reminders_of(programme)
    context = {
        "programme": programme,
        "failed": reminders.filter(status=Reminder.Status.FAILED).order_by("-created_at")[:200],
        "recent": reminders.exclude(status=Reminder.Status.FAILED).order_by("-created_at")[:50],
        "counts": dict(reminders.values_list("status").annotate(n=Count("pk")).order_by()),
    }
    return render(request, "meetings/reminders.html", context)


SHEET_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


@require_POST
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's attendance sheet as CSV or PDF, for its leader and coordinators; recorded (a
    POST: a prefetched link or another site's image cannot record a sheet nobody took)."""
    group = access_group(request.user, pk, manage=True)
    format = request.POST.get("format", "csv")
    try:
        content = sheet_of(group=group, by=request.user, format=format)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("meetings:group_meetings", pk=group.pk)
    response = HttpResponse(content, content_type=SHEET_TYPES[format])
    name = f"attendance-sheet-{group.pk}-{clock.today():%Y-%m-%d}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def feed_renew(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk, manage=True)
    calendar_feed_renew(group=group)
    messages.success(request, _("The calendar has a new address; the old one no longer works."))
    return redirect("meetings:group_meetings", pk=group.pk)


@login_not_required
@never_cache
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The group's private calendar: the token in the URL is the only key."""
    feed = access_feed(token)
    since = clock.now() - datetime.timedelta(days=180)
    meetings = (
        feed.group.meetings.filter(starts_at__gte=since)
        .exclude(status=Meeting.Status.POSTPONED)
        .select_related("group")
    )
    response = HttpResponse(
        ical.feed(feed.group, meetings), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    return response
