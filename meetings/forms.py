import datetime
import re
import uuid
from html import unescape

from django import forms
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cohesion import clock
from cohesion.forms import CleanForm, CleanModelForm
from communities.forms import DateInput
from meetings.models import ActionItem, Attendance, Meeting, Protocol
from meetings.services import UNCHECKED


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MeetingForm(CleanModelForm):
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item per line. Open actions from earlier meetings are added for you."),
    )
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")

    class Meta:
        model = Meeting
        fields = ["starts_at", "duration_minutes", "format", "place", "online_link"]
        widgets = {"starts_at": DateTimeInput()}
        help_texts = {"starts_at": _("Kyiv time")}

    def __init__(self, *args, held: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if held:
            # A meeting that took place: its date is in the past, and the browser says so.
            self.fields["starts_at"].widget.attrs["max"] = timezone.localtime(clock.now()).strftime(
                "%Y-%m-%dT%H:%M"
            )
            self.fields["agenda"].help_text = _("One item per line, as it was discussed.")
        if self.instance.pk:
            del self.fields["agenda"]

    def agenda_items(self) -> list[str]:
        return [line for line in self.cleaned_data.get("agenda", "").splitlines() if line.strip()]


class CallOffForm(CleanForm):
    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (status, status.label)
            for status in (Meeting.Status.CANCELLED, Meeting.Status.POSTPONED)
        ],
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Meeting.Reason.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AgendaItemForm(CleanForm):
    title = forms.CharField(label=_("New agenda item"), max_length=300)


class PreReadForm(CleanForm):
    file = forms.FileField(label=_("Pre-read"))


def minutes_as_text(html: str) -> str:
    """Saved minutes back as the text a leader typed: paragraphs, line breaks and lists kept
    (a list item as "- " or its number), tags gone, so that correcting a record on a phone
    shows no raw HTML and saving it again changes nothing."""

    def numbered(match):
        items = re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), flags=re.S)
        return "".join(f"{n}. {item}\n" for n, item in enumerate(items, start=1)) + "\n"

    text = re.sub(r"<ol[^>]*>(.*?)</ol>\s*", numbered, html or "", flags=re.S)
    text = re.sub(r"<li[^>]*>", "- ", text)
    text = re.sub(r"</(ul)>\s*", "\n", text)
    text = re.sub(r"</p>\s*", "\n\n", text)
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = re.sub(r"</li>\s*", "\n", text)
    return unescape(strip_tags(text)).strip()


# A record may carry many actions (rows added on the phone), within reason.
MAX_ACTIONS = 50
ACTION_ROW = re.compile(r"^action_(\d{1,3})_(?:description|owner|due_on)$")


class LogMeetingForm(CleanForm):
    """The whole record of a held meeting on one screen: one radio group per member (none
    marked until the leader marks them: a hurried save must not count absent people as
    present), a number per guest category, an outcome per agenda item, minutes, decisions,
    and as many new actions as were agreed."""

    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Blank lines start paragraphs; lines starting with “-” or “1.” make lists."),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One decision per line."),
    )
    # Made when the form is opened (by the page's script on the phone, which replaces this
    # server-made default each time the form is opened afresh): a record sent twice is saved once.
    record_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # The record the form was opened on ("" for none): one saved meanwhile is not replaced
    # unseen (meeting_log's conflict).
    record_basis = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)
    NEW_ACTIONS = 2
    max_actions = MAX_ACTIONS

    def __init__(self, *args, members, categories, meeting, agenda=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_key"].initial = uuid.uuid4()
        self.fields["record_basis"].initial = record_basis(meeting)
        self.members, self.categories = list(members), list(categories)
        self.agenda = list(agenda)
        recorded = {a.membership_id: a.status for a in meeting.attendance.all()}
        for membership in self.members:
            self.fields[f"attendance_{membership.pk}"] = forms.ChoiceField(
                label=membership.person.full_name,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                initial=recorded.get(membership.pk),
                error_messages={"required": _("Mark present, absent or excused.")},
            )
        guests = {g.category_id: g.count for g in meeting.guests.all()}
        for category in self.categories:
            self.fields[f"guests_{category.pk}"] = forms.IntegerField(
                label=category.name,
                required=False,
                min_value=0,
                max_value=500,
                initial=guests.get(category.pk) or None,
            )
        for item in self.agenda:
            self.fields[f"outcome_{item.pk}"] = forms.CharField(
                label=item.title,
                required=False,
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=minutes_as_text(item.outcome),
            )
        owners = [(m.pk, m.person.full_name) for m in self.members if m.is_current]
        due = clock.today() + datetime.timedelta(days=30)
        self.action_count = self._action_count()
        for index in range(self.action_count):
            self.fields[f"action_{index}_description"] = forms.CharField(
                label=_("New action"), max_length=500, required=False
            )
            self.fields[f"action_{index}_owner"] = forms.TypedChoiceField(
                label=_("Owner"), choices=[("", "—"), *owners], coerce=int, required=False
            )
            self.fields[f"action_{index}_due_on"] = forms.DateField(
                label=_("Due"), required=False, widget=DateInput(), initial=due
            )
        if not self.is_bound:
            self.fields["minutes"].initial = minutes_as_text(meeting.minutes)
            self.fields["decisions"].initial = "\n".join(d.text for d in meeting.decisions.all())

    def _action_count(self) -> int:
        """As many rows as the page sent (rows added on the phone), else NEW_ACTIONS; one more
        when the leader asked for another row without a script."""
        self.too_many = False
        if not self.is_bound:
            return self.NEW_ACTIONS
        indexes = [int(m.group(1)) for key in self.data if (m := ACTION_ROW.match(key))]
        count = max(indexes, default=-1) + 1
        if "add_action" in self.data:
            count += 1
        # More rows than a record takes are refused (clean), never dropped without a word.
        self.too_many = count > MAX_ACTIONS
        return max(1, min(count, MAX_ACTIONS))

    def attendance_fields(self):
        return [self[f"attendance_{m.pk}"] for m in self.members]

    def unmarked(self) -> int:
        """Members not marked yet, as the page stands (the count that blocks saving)."""
        return sum(1 for field in self.attendance_fields() if not field.value())

    def guest_fields(self):
        return [self[f"guests_{c.pk}"] for c in self.categories]

    def outcome_fields(self):
        return [(item, self[f"outcome_{item.pk}"]) for item in self.agenda]

    def action_rows(self):
        return [
            (
                self[f"action_{i}_description"],
                self[f"action_{i}_owner"],
                self[f"action_{i}_due_on"],
            )
            for i in range(self.action_count)
        ]

    def clean(self):
        cleaned = super().clean()
        basis = cleaned.get("record_basis")
        if basis and not is_aware_iso(basis):
            # A hidden field: said at the top of the form, where it is seen.
            self.add_error(None, _("The form is damaged: open it again."))
        missing = self.unmarked()
        if missing:
            self.add_error(
                None,
                ngettext(
                    "%(count)s member is not marked yet: mark each present, absent or excused.",
                    "%(count)s members are not marked yet: mark each present, absent or excused.",
                    missing,
                )
                % {"count": missing},
            )
        if self.too_many:
            self.add_error(
                None,
                _(
                    "At most %(max)s new actions at a time: save these, then correct the record "
                    "to add the rest."
                )
                % {"max": MAX_ACTIONS},
            )
        by_pk = {m.pk: m for m in self.members}
        self.new_actions = []
        for index in range(self.action_count):
            description = cleaned.get(f"action_{index}_description", "").strip()
            owner = cleaned.get(f"action_{index}_owner")
            due_on = cleaned.get(f"action_{index}_due_on")
            if not description:
                continue
            if not owner or owner not in by_pk:
                self.add_error(f"action_{index}_owner", _("Choose who will do it."))
            elif not due_on:
                self.add_error(f"action_{index}_due_on", _("Give a due date."))
            else:
                self.new_actions.append(
                    {"description": description, "owner": by_pk[owner], "due_on": due_on}
                )
        return cleaned

    def attendance(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[f"attendance_{m.pk}"] for m in self.members}

    def guests(self) -> dict[int, int]:
        return {
            c.pk: self.cleaned_data.get(f"guests_{c.pk}") or 0
            for c in self.categories
            if self.cleaned_data.get(f"guests_{c.pk}")
        }

    def outcomes(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"outcome_{item.pk}", "") for item in self.agenda}

    def decision_lines(self) -> list[str]:
        return [line for line in self.cleaned_data["decisions"].splitlines() if line.strip()]

    def seen_recorded_at(self):
        """What meeting_log compares with the meeting's record: UNCHECKED for a post without
        the field (a script, a page from before this field), else the record the form was
        opened on."""
        if "record_basis" not in self.data:
            return UNCHECKED
        basis = self.cleaned_data["record_basis"]
        return datetime.datetime.fromisoformat(basis) if basis else None


def is_aware_iso(text: str) -> bool:
    try:
        return timezone.is_aware(datetime.datetime.fromisoformat(text))
    except ValueError:
        return False


def record_basis(meeting: Meeting) -> str:
    """The meeting's record as a form carries it: when it was logged, "" when never."""
    return meeting.recorded_at.isoformat() if meeting.recorded_at else ""


class ActionStatusForm(CleanForm):
    status = forms.ChoiceField(choices=ActionItem.Status.choices)


class ActionRedateForm(CleanForm):
    due_on = forms.DateField(label=_("New due date"), widget=DateInput())


class ProtocolForm(CleanForm):
    languages = forms.ChoiceField(
        label=_("Language"),
        choices=Protocol.Languages.choices,
        initial=Protocol.Languages.UK,
        widget=forms.RadioSelect,
    )


class SignedProtocolForm(CleanForm):
    file = forms.FileField(label=_("Signed protocol (scan)"))
