import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from cohesion.forms import CleanForm, CleanModelForm
from communities.forms import DateInput
from communities.models import Community, Organisation, StakeholderCategory
from workinggroups.models import (
    CompositionTarget,
    GroupStatusChange,
    Membership,
    Person,
    WorkingGroup,
)


class WorkingGroupForm(CleanModelForm):
    class Meta:
        model = WorkingGroup
        fields = [
            "community",
            "name_uk",
            "name_en",
            "established_on",
            "meeting_cadence",
            "terms_of_reference",
        ]
        widgets = {
            "established_on": DateInput(),
            "terms_of_reference": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]  # a group stays in its community
        else:
            taken = programme.working_groups.values("community_id")
            self.fields["community"].queryset = (
                Community.objects.filter(
                    pk__in=programme.enrolments.current().values("community_id")
                )
                .exclude(pk__in=taken)
                .select_related("region")
            )

    def clean_established_on(self):
        established_on = self.cleaned_data["established_on"]
        if established_on and established_on > clock.today():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return established_on


class StatusChangeForm(CleanForm):
    status = forms.ChoiceField(label=_("New status"), choices=WorkingGroup.Status.choices)
    changed_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=clock.today)
    reason = forms.ChoiceField(label=_("Reason"), choices=GroupStatusChange.Reason.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (value, label) for value, label in WorkingGroup.Status.choices if value in allowed
        ]


class ProgrammeCompletionForm(CleanForm):
    """Closing a running programme early (its last day and why), and for each group still
    working within it, what becomes of it: one radio per group, with an optional note."""

    closed_on = forms.DateField(label=_("Last day of the programme"), widget=DateInput())
    closure_reason = forms.CharField(
        label=_("Why the programme closes early"), max_length=500, widget=forms.TextInput()
    )

    def __init__(self, *args, groups, closing_early: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = list(groups)
        if not closing_early:
            del self.fields["closed_on"], self.fields["closure_reason"]
        else:
            # A programme is completed the day after its last day: by default, yesterday.
            self.fields["closed_on"].initial = lambda: clock.today() - datetime.timedelta(days=1)
        for group in self.groups:
            self.fields[f"outcome_{group.pk}"] = forms.ChoiceField(
                label=group.community.full_name,
                choices=WorkingGroup.Outcome.choices,
                widget=forms.RadioSelect,
                # Past the end date outcomes can be recorded a few at a time.
                required=closing_early,
            )
            self.fields[f"note_{group.pk}"] = forms.CharField(
                label=_("Note"), max_length=500, required=False
            )

    def clean(self):
        cleaned = super().clean()
        if self.groups and not any(cleaned.get(f"outcome_{group.pk}") for group in self.groups):
            raise forms.ValidationError(_("Choose what becomes of at least one group."))
        return cleaned

    def rows(self):
        """(group, outcome field, note field) for the template."""
        return [
            (group, self[f"outcome_{group.pk}"], self[f"note_{group.pk}"]) for group in self.groups
        ]

    def outcomes(self) -> dict[int, tuple[str, str]]:
        return {
            group.pk: (
                self.cleaned_data[f"outcome_{group.pk}"],
                self.cleaned_data[f"note_{group.pk}"],
            )
            for group in self.groups
            if self.cleaned_data.get(f"outcome_{group.pk}")
        }


class PersonForm(CleanModelForm):
    class Meta:
        model = Person
        fields = [
            "full_name",
            "sex",
            "birth_year",
            "phone",
            "email",
            "community",
            "is_veteran",
            "is_idp",
            "has_disability",
            "other_vulnerability",
            "consent_given_on",
            "consent_purpose",
        ]
        widgets = {"consent_given_on": DateInput()}

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = communities
        if self.instance.community_id:
            queryset = queryset | Community.objects.filter(pk=self.instance.community_id)
        self.fields["community"].queryset = queryset.distinct()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent_given_on") and not cleaned.get("consent_purpose"):
            self.add_error("consent_purpose", _("Say what the person consented to."))
        return cleaned


class MembershipForm(CleanModelForm):
    class Meta:
        model = Membership
        fields = ["category", "organisation", "role", "joined_on"]
        widgets = {"joined_on": DateInput()}

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = StakeholderCategory.objects.all()
        self.fields["organisation"].queryset = Organisation.objects.filter(
            community__in=[group.community_id]
        ) | Organisation.objects.filter(community__isnull=True).exclude(
            kind__in=[Organisation.Kind.DONOR, Organisation.Kind.UN_AGENCY]
        )
        self.fields["joined_on"].initial = clock.today()
        if self.instance.pk:
            del self.fields["joined_on"]


class NewMemberForm(PersonForm):
    """A new person and their membership in one screen, for a leader on a phone."""

    category = forms.ModelChoiceField(
        label=_("Stakeholder category"), queryset=StakeholderCategory.objects.all()
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation represented"), queryset=Organisation.objects.none(), required=False
    )
    role = forms.ChoiceField(
        label=_("Role in the group"), choices=Membership.Role.choices, initial="member"
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=DateInput(), initial=clock.today)
    confirm_new = forms.BooleanField(
        label=_("This is a different person from the ones shown"),
        required=False,
        widget=forms.HiddenInput,
    )

    MEMBERSHIP_FIELDS = ("category", "organisation", "role", "joined_on")

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            MembershipForm(group=group).fields["organisation"].queryset
        )
        self.fields["community"].initial = group.community_id

    def person_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PersonForm.Meta.fields}

    def membership_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.MEMBERSHIP_FIELDS}


class EndMembershipForm(CleanForm):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput(), initial=clock.today)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


AGE_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:[-–—]\s*(\d{1,3})|(\+))\s*$")


class CompositionRulesForm(CleanForm):
    """The programme's composition rules in one form: bands as text, each target a number."""

    age_bands = forms.CharField(
        label=_("Age bands"),
        help_text=_("Comma-separated, covering every age from 0, e.g. 0-17, 18-24, 25-35, 36+"),
    )
    youth_max_age = forms.IntegerField(
        label=_("Young people are aged up to"), min_value=14, max_value=40
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for measure, label in CompositionTarget.Measure.choices:
            share = measure.endswith("_share")
            self.fields[f"target_{measure}"] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=100 if share else 500
            )

    def clean_age_bands(self):
        bands = []
        for part in self.cleaned_data["age_bands"].split(","):
            match = AGE_BAND.match(part)
            if not match:
                raise forms.ValidationError(
                    _("“%(part)s” is not an age band like 18-24 or 60+.") % {"part": part.strip()}
                )
            low, high, plus = match.groups()
            bands.append((int(low), None if plus else int(high)))
        # Open-ended bands sort after closed ones that start at the same age.
        bands.sort(key=lambda band: (band[0], band[1] is None, band[1] or 0))
        expected = 0
        for low, high in bands:
            if low != expected or (high is not None and high < low):
                raise forms.ValidationError(
                    _("The bands must follow each other without gaps or overlaps from age 0.")
                )
            expected = None if high is None else high + 1
            if expected is None:
                break
        if expected is not None or bands[-1][1] is not None:
            raise forms.ValidationError(_("The last band must be open-ended, like 60+."))
        return bands

    def targets(self) -> dict[str, int]:
        return {
            measure: self.cleaned_data[f"target_{measure}"]
            for measure in CompositionTarget.Measure.values
            if self.cleaned_data.get(f"target_{measure}") is not None
        }
