from django import forms
from django.utils.translation import gettext_lazy as _

from cohesion.forms import CleanForm, CleanModelForm
from communities.models import Organisation
from engagement.models import (
    AssessedNeed,
    Event,
    NeedCategory,
    NeedsAssessment,
    Opportunity,
    Participant,
    Topic,
    VeteranOrganisation,
    YouthLeader,
    YouthSupport,
)
from engagement.selectors import programme_communities
from workinggroups.forms import PersonForm


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no database key can hold before they reach the query (SQLite would
    overflow and answer with an error page)."""

    def _check_values(self, value):
        for pk in value or ():
            try:
                if not -(2**63) <= int(pk) < 2**63:
                    raise ValueError
            except (TypeError, ValueError):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                ) from None
        return super()._check_values(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person):
        year = f", {person.birth_year}" if person.birth_year else ""
        return f"{person.full_name}{year}"


class NewPersonForm(PersonForm):
    """A person not yet on record, entered where they are first needed."""

    prefix = "new"

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, communities=communities, **kwargs)
        self.fields["consent_given_on"].required = True
        self.fields["consent_purpose"].required = True


class YouthLeaderForm(CleanModelForm):
    person = PersonChoiceField(
        label=_("Person on record"),
        queryset=None,
        required=False,
        help_text=_("Or leave empty and enter a new person below."),
    )

    class Meta:
        model = YouthLeader
        fields = ["person", "community", "organisation", "focus", "since", "until", "notes"]
        widgets = {
            "since": DateInput(),
            "until": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, programme, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["community"].queryset = programme_communities(programme)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.YOUTH_ORGANISATION
        ).order_by("name_uk")
        if self.instance.pk:
            self.fields["person"].required = True
            self.fields["person"].help_text = ""


class YouthSupportForm(CleanModelForm):
    class Meta:
        model = YouthSupport
        fields = [
            "kind", "title", "starts_on", "ends_on", "provider", "provider_other",
            "amount_uah", "event", "outcome",
        ]  # fmt: skip
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.order_by("name_uk")
        self.fields["event"].queryset = programme.events.order_by("-starts_on")


class VeteranOrganisationForm(CleanModelForm):
    class Meta:
        model = VeteranOrganisation
        fields = [
            "community", "organisation", "kind", "relationship", "contact_name",
            "contact_phone", "contact_email", "services", "notes",
        ]  # fmt: skip
        widgets = {
            "services": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = programme_communities(programme)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name_uk")
        self.fields["organisation"].help_text = _(
            "Add a missing organisation to the organisation directory first."
        )


class NeedsAssessmentForm(CleanModelForm):
    class Meta:
        model = NeedsAssessment
        fields = [
            "community", "period_start", "period_end", "method", "respondents",
            "conducted_by", "summary",
        ]  # fmt: skip
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = programme_communities(programme)
        self.fields["conducted_by"].queryset = Organisation.objects.order_by("name_uk")
        existing = {}
        if self.instance.pk:
            existing = {n.category: n for n in self.instance.needs.all()}
        # One row per need category: a severity (empty: not a need found) and a note.
        for value, label in NeedCategory.choices:
            need = existing.get(value)
            self.fields[f"severity_{value}"] = forms.TypedChoiceField(
                label=label,
                choices=[("", "—"), *AssessedNeed.Severity.choices],
                coerce=int,
                empty_value=None,
                required=False,
                initial=need.severity if need else None,
            )
            self.fields[f"note_{value}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=500,
                initial=need.note if need else "",
            )

    def need_rows(self):
        return [
            (self[f"severity_{value}"], self[f"note_{value}"])
            for value, _label in NeedCategory.choices
        ]

    def needs(self) -> list[tuple[str, int, str]]:
        return [
            (value, self.cleaned_data[f"severity_{value}"], self.cleaned_data[f"note_{value}"])
            for value, _label in NeedCategory.choices
            if self.cleaned_data.get(f"severity_{value}")
        ]


class OpportunityForm(CleanModelForm):
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    categories = forms.MultipleChoiceField(
        label=_("Needs it answers"),
        choices=NeedCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Opportunity
        fields = [
            "kind", "title", "categories", "provider", "provider_other", "communities",
            "starts_on", "ends_on", "link", "description",
        ]  # fmt: skip
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "communities": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"communities": IdsChoiceField}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = programme_communities(programme)
        self.fields["provider"].queryset = Organisation.objects.order_by("name_uk")
        if self.instance.pk:
            self.initial["categories"] = [n.category for n in self.instance.needs.all()]


class EventForm(CleanModelForm):
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Event
        fields = [
            "kind", "title", "topics", "other_topic", "starts_on", "ends_on", "status",
            "host_community", "visiting_communities", "groups", "place", "facilitator",
            "facilitator_organisation", "report",
        ]  # fmt: skip
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "visiting_communities": forms.CheckboxSelectMultiple,
            "groups": forms.CheckboxSelectMultiple,
            "report": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"visiting_communities": IdsChoiceField, "groups": IdsChoiceField}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        communities = programme_communities(programme)
        self.fields["host_community"].queryset = communities
        self.fields["visiting_communities"].queryset = communities
        self.fields["groups"].queryset = programme.working_groups.select_related("community")
        self.fields["facilitator_organisation"].queryset = Organisation.objects.order_by("name_uk")
        if self.instance.pk:
            self.initial["topics"] = [t.topic for t in self.instance.topics.all()]


class AddParticipantsForm(CleanForm):
    """Members of the groups taking part, ticked; or someone else already on record."""

    members = forms.MultipleChoiceField(
        label=_("Members of the groups taking part"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    person = PersonChoiceField(label=_("Someone else on record"), queryset=None, required=False)

    def __init__(self, *args, member_choices, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = member_choices
        self.fields["person"].queryset = people


class SignInSheetForm(CleanForm):
    """One row per participant: present or absent, and optional scores (1–10)."""

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = participants
        choices = [
            (mark, mark.label)
            for mark in (Participant.Attendance.PRESENT, Participant.Attendance.ABSENT)
        ]
        for participant in participants:
            key = participant.pk
            attendance = participant.attendance
            self.fields[f"attendance_{key}"] = forms.ChoiceField(
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
                initial=attendance if attendance != Participant.Attendance.REGISTERED else None,
            )
            for field in ("score_before", "score_after"):
                self.fields[f"{field}_{key}"] = forms.IntegerField(
                    min_value=1,
                    max_value=10,
                    required=False,
                    initial=getattr(participant, field),
                    widget=forms.NumberInput(
                        attrs={
                            "inputmode": "numeric",
                            "class": "form-control form-control-sm score",
                        }
                    ),
                )

    def rows(self):
        for participant in self.participants:
            key = participant.pk
            yield (
                participant,
                self[f"attendance_{key}"],
                self[f"score_before_{key}"],
                self[f"score_after_{key}"],
            )

    def marks(self) -> dict[int, dict]:
        marks = {}
        for participant in self.participants:
            key = participant.pk
            attendance = self.cleaned_data.get(f"attendance_{key}") or participant.attendance
            marks[key] = {
                "attendance": attendance,
                "score_before": self.cleaned_data.get(f"score_before_{key}"),
                "score_after": self.cleaned_data.get(f"score_after_{key}"),
            }
        return marks


SMALL_SELECT = {"class": "form-select form-select-sm"}


class EventFilterForm(CleanForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *Event.Kind.choices],
        required=False,
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        choices=[("", _("All topics")), *Topic.choices],
        required=False,
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=None,
        required=False,
        empty_label=_("All communities"),
        widget=forms.Select(attrs=SMALL_SELECT),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = programme_communities(programme)


class CommunityFilterForm(CleanForm):
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=None,
        required=False,
        empty_label=_("All communities"),
        widget=forms.Select(attrs=SMALL_SELECT),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = programme_communities(programme)


__all__ = ["NewPersonForm"]
