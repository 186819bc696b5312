"""Importing an event's participants from the lists trainers and partners keep (a sign-in
sheet typed up, a registration form's export), through the same wizard as members
(workinggroups.wizard): columns, words, a checked preview, saving all or nothing."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohesion import clock
from cohesion.text import clean_line
from communities.models import Community, search_key
from engagement.models import Event, Participant
from workinggroups.access import people_visible_to
from workinggroups.imports import (
    FLAGS,
    HEADER_WORDS,
    CodedColumn,
    Column,
    PeopleToWrite,
    PersonCells,
    Spec,
    _word,
    column_words,
    decoded,
    filled_rows,
    flag_choices,
    flag_of,
    on_record,
    people_named,
    refuse,
    refuse_form,
    remembered_words,
    serialised,
    sex_of,
)
from workinggroups.models import ImportJob, ImportOutcome, Person
from workinggroups.wizard import TARGETS, Target, _coordinates

COLUMNS = [
    Column("full_name", gettext_lazy("Full name"), required=True),
    Column("sex", gettext_lazy("Sex"), required=True),
    Column("birth_year", gettext_lazy("Year of birth")),
    Column("phone", gettext_lazy("Phone")),
    Column("email", gettext_lazy("Email")),
    Column("community", gettext_lazy("Community of residence")),
    Column("attendance", gettext_lazy("Attendance")),
    Column("score_before", gettext_lazy("Self-assessment before")),
    Column("score_after", gettext_lazy("Self-assessment after")),
    Column("is_veteran", gettext_lazy("Veteran or serviceperson")),
    Column("is_idp", gettext_lazy("Internally displaced")),
    Column("has_disability", gettext_lazy("Person with a disability")),
    Column("consent_given_on", gettext_lazy("Consent given on")),
    Column("consent_purpose", gettext_lazy("Purpose of consent")),
]
WORDS = {
    **{key: HEADER_WORDS[key] for key in ("full_name", "sex", "birth_year", "phone", "email",
                                          "is_veteran", "is_idp", "has_disability",
                                          "consent_given_on", "consent_purpose")},
    "community": {"громада", "звідки", "населений пункт", "community", "hromada"},
    "attendance": {"присутність", "був/була", "присутній", "присутня", "відвідування",
                   "attendance", "present"},
    "score_before": {"оцінка до", "самооцінка до", "до", "before", "score before"},
    "score_after": {"оцінка після", "самооцінка після", "після", "after", "score after"},
}  # fmt: skip
PARTICIPANTS = Spec(
    "participants",
    COLUMNS,
    WORDS,
    coded=("sex", "community", "attendance", *FLAGS),
)
ATTENDANCE_WORDS = {
    Participant.Attendance.PRESENT: {"present", "так", "був", "була", "присутній", "присутня",
                                     "+", "1", "yes", "x", "х"},
    Participant.Attendance.ABSENT: {"absent", "ні", "не був", "не була", "відсутній",
                                    "відсутня", "-", "0", "no"},
    Participant.Attendance.REGISTERED: {"registered", "зареєстрований", "зареєстрована",
                                        "зареєстровано"},
}  # fmt: skip


def attendance_of(word: str) -> str | None:
    for value, label in Participant.Attendance.choices:
        if word in (value, _word(str(label))) or word in ATTENDANCE_WORDS[value]:
            return value
    return None


class ParticipantRow(PersonCells):
    """One row of an event's list: the person, and how they took part."""

    community = forms.CharField(max_length=200, required=False)
    attendance = forms.CharField(max_length=40, required=False)
    score_before = forms.IntegerField(required=False, min_value=1, max_value=10)
    score_after = forms.IntegerField(required=False, min_value=1, max_value=10)

    def __init__(self, *args, communities, started, **kwargs):
        super().__init__(*args, **kwargs)
        self.communities, self.started = communities, started

    def clean_community(self):
        if not self.cleaned_data["community"].strip():
            return None
        pk = self._meaning("community", lambda word: self.communities.get(word))
        return int(pk)

    def clean_attendance(self):
        if not self.cleaned_data["attendance"].strip():
            return Participant.Attendance.REGISTERED
        value = self._meaning("attendance", attendance_of)
        if value != Participant.Attendance.REGISTERED and not self.started:
            raise ValidationError(_("Attendance is recorded once the event has started."))
        return value


def _load(job):
    return (
        Event.objects.select_related("programme", "host_community").filter(pk=job.target_id).first()
    )


def _community_names(event, words) -> dict[str, str]:
    """Community names and codes (as compared) -> pk: the event's own communities and the
    directory's communities a word of the file names."""
    names = {}
    own = [event.host_community_id, *event.visiting_communities.values_list("pk", flat=True)]
    for community in Community.objects.filter(pk__in=own):
        for name in _identifiers(community):
            names[_word(name)] = str(community.pk)
    wanted = set(words)
    if wanted:
        fields = ("pk", "name_uk", "name_en", "katotth_code", "pcode")
        for community in Community.objects.only(*fields):
            for name in _identifiers(community):
                if _word(name) in wanted:
                    names.setdefault(_word(name), str(community.pk))
    return names


def _identifiers(community) -> list[str]:
    """What a file may call a community by: its names, its KATOTTH code or its P-code (the
    code OCHA's and the clusters' lists carry). Codes are unique, names nearly so."""
    return [
        text
        for text in (community.name_uk, community.name_en, community.katotth_code, community.pcode)
        if text
    ]


def participant_words(job, event, user) -> list[CodedColumn]:
    remembered = remembered_words(job)
    labels = PARTICIPANTS.labels()
    columns = []
    for key in PARTICIPANTS.coded:
        words = column_words(job.rows, job.mapping, key)
        if not words:
            continue
        if key == "sex":
            choices, default = list(Person.Sex.choices), sex_of
        elif key == "attendance":
            choices, default = list(Participant.Attendance.choices), attendance_of
        elif key == "community":
            names = _community_names(event, [word for word, _text in words])
            pks = set(names.values())
            choices = [(str(c.pk), c.name) for c in Community.objects.filter(pk__in=pks)]
            default = names.get
        else:
            choices, default = flag_choices(), flag_of
        proposed = [
            (word, text, remembered.get(key, {}).get(word, default(word) or ""))
            for word, text in words
        ]
        columns.append(CodedColumn(key, labels[key], choices, proposed))
    return columns


def check_participants(job, event, by, progress=None) -> tuple[list[dict], str]:
    """Every row checked as it would be saved, in a fixed number of queries: a person on
    record is the one the importer sees with that name and year of birth (and community, when
    the file gives one); several such people are not guessed between."""
    labels = PARTICIPANTS.labels()
    if event.status == Event.Status.CANCELLED:
        return [], _("The event was cancelled.")
    missing = PARTICIPANTS.missing(job.mapping)
    if missing:
        return [], _("Choose the column that holds “%(field)s”.") % {"field": missing[0].label}
    values = job.values or {}
    communities = _community_names(event, list(values.get("community", {})))
    rows = filled_rows(job)
    if not rows:
        return [], _("The file has no rows below the header.")
    people = people_named(people_visible_to(by), rows)
    registered = set(event.participants.values_list("person_id", flat=True))
    started = event.starts_on <= clock.today()
    outcomes, seen = [], {}
    for done, (number, data) in enumerate(rows, start=1):
        if progress and done % 500 == 0:
            progress(done, len(rows))
        outcome = {"row": number, "name": clean_line(data.get("full_name", ""))[:200]}
        outcomes.append(outcome)
        form = ParticipantRow(data, values=values, communities=communities, started=started)
        if not form.is_valid():
            refuse_form(outcome, form, labels)
            continue
        row = form.cleaned_data
        identity = (search_key(row["full_name"]), row["birth_year"])
        if identity in seen:
            same_row = _("The same person is already in row %(row)s.") % {"row": seen[identity]}
            refuse(outcome, labels["full_name"], same_row)
            continue
        seen[identity] = number
        same = [
            p for p in people.get(identity[0], [])
            if p.birth_year == row["birth_year"]
            and (row["community"] is None or p.community_id in (None, row["community"]))
        ]  # fmt: skip
        if len(same) > 1:
            several = _(
                "Several people on record have this name and year of birth: add this one by "
                "hand from the event's list."
            )
            refuse(outcome, labels["full_name"], several)
            continue
        person = same[0] if same else None
        if person is None and not row["consent_given_on"]:
            consent = _("Someone not on record is added with the date of their consent.")
            refuse(outcome, labels["consent_given_on"], consent)
            continue
        outcome["fields"] = serialised(row)
        if person is None:
            outcome["outcome"] = ImportOutcome.Outcome.NEW
            continue
        if person.pk in registered:
            already = _("Already on the event's list.")
            outcome.update(outcome=ImportOutcome.Outcome.ALREADY, detail=already, person=person.pk)
            continue
        on_record(outcome, person, row, _("Same name and year of birth as the person on record."))
    if progress:
        progress(len(rows), len(rows))
    return outcomes, ""


def save_participants(job, event, by, outcomes, progress=None) -> dict:
    from engagement.services import participants_register

    to_add = [o for o in outcomes if o["outcome"] not in ("refused", "already")]
    people = PeopleToWrite(to_add, by)
    seats = []
    for outcome in to_add:
        fields = decoded(outcome["fields"], "consent_given_on")
        community = fields.get("community") or event.host_community_id
        seats.append((people.take(outcome, fields, community), fields))
    if progress:
        progress(30)
    summary = people.save()
    if progress:
        progress(60)
    participants_register(
        event=event,
        rows=[
            {
                "person": person,
                "attendance": fields["attendance"],
                "score_before": fields.get("score_before"),
                "score_after": fields.get("score_after"),
            }
            for person, fields in seats
        ],
        by=by,
    )
    return {
        **summary,
        "added": len(seats),
        "already": sum(o["outcome"] == "already" for o in outcomes),
    }


def _lock(event):
    """The event locked for the save (two lists saved into it wait for each other)."""
    return (
        Event.objects.select_for_update()
        .select_related("programme", "host_community")
        .get(pk=event.pk)
    )


TARGETS[ImportJob.Kind.PARTICIPANTS] = Target(
    PARTICIPANTS,
    _load,
    check_participants,
    participant_words,
    save_participants,
    _coordinates,
    _lock,
)
