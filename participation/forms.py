import re

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from cohesion.forms import CleanForm
from cohesion.text import clean_line
from communities.models import Community, StakeholderCategory
from participation.models import Application
from participation.services import check_birth_year
from workinggroups.models import Person

PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,18}[0-9]$")
# A person takes at least this long to fill the form in; robots are faster.
MIN_SECONDS = 3
STAMP_SALT = "participation.apply"


class ApplicationForm(CleanForm):
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    community = forms.ModelChoiceField(label=_("Your community"), queryset=None)
    category = forms.ModelChoiceField(
        label=_("How you would take part"),
        queryset=None,
        help_text=_("For example: local council, police, a civil society organisation, youth."),
    )
    organisation_name = forms.CharField(
        label=_("Your organisation, if any"), max_length=300, required=False
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        required=False,
        help_text=_("Only if you wish to say so."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "bday-year", "maxlength": 4}
        ),
        error_messages={"invalid": _("Give the year as four digits, e.g. 1990.")},
    )
    is_youth = forms.BooleanField(
        label=_("I am a young person"),
        required=False,
        help_text=_("Only if you wish to say so."),
    )
    is_veteran = forms.BooleanField(
        label=_("I am a veteran or serviceperson"),
        required=False,
        help_text=_("Only if you wish to say so."),
    )
    motivation = forms.CharField(
        label=_("Why you want to take part"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent = forms.BooleanField(label=_("I agree"), required=True)
    # Honeypot: hidden from people by CSS; robots fill every field in.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["community"].queryset = Community.objects.filter(
            enrolments__programme=programme, enrolments__withdrawn_on__isnull=True
        ).order_by("name_uk")
        self.fields["category"].queryset = StakeholderCategory.objects.order_by("position")
        self.fields["is_youth"].label = _("I am a young person (up to %(age)s)") % {
            "age": programme.youth_max_age
        }
        if not self.is_bound:
            self.initial["stamp"] = signing.dumps(clock.now().timestamp(), salt=STAMP_SALT)

    def clean_full_name(self):
        name = clean_line(self.cleaned_data["full_name"])
        if len(name) < 3:
            raise forms.ValidationError(_("Give your name."))
        return name

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(
                _("Give the phone number with digits, e.g. +380 67 123 4567.")
            )
        return phone

    def clean_organisation_name(self):
        return clean_line(self.cleaned_data["organisation_name"])

    def clean(self):
        cleaned = super().clean()
        try:
            # The service checks it again; asked here, a mistyped year costs no attempt.
            check_birth_year(
                programme=self.programme,
                birth_year=cleaned.get("birth_year"),
                is_youth=bool(cleaned.get("is_youth")),
                year=clock.today().year,
            )
        except forms.ValidationError as error:
            self.add_error(None, error)
        if not cleaned.get("phone") and not cleaned.get("email") and not self.errors.get("email"):
            raise forms.ValidationError(
                _("Give a phone number or an email address, so we can answer.")
            )
        return cleaned

    @property
    def is_spam(self) -> bool:
        """The honeypot was filled in, or the form came back faster than a person can type,
        or without the stamp it was given."""
        if self.data.get("website"):
            return True
        try:
            issued = signing.loads(self.data.get("stamp", ""), salt=STAMP_SALT, max_age=86400)
        except (signing.BadSignature, TypeError, ValueError):
            return True
        return clock.now().timestamp() - float(issued) < MIN_SECONDS


class AcceptForm(CleanForm):
    group = forms.ModelChoiceField(label=_("Working group"), queryset=None)
    person = forms.ChoiceField(label=_("Who they are"), widget=forms.RadioSelect)

    def __init__(self, *args, application: Application, matches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = application.programme.working_groups.select_related(
            "community"
        )
        choices = [("new", _("A new person"))]
        choices += [(str(p.pk), _on_record(p, application)) for p in matches]
        self.fields["person"].choices = choices
        self.matches = {str(p.pk): p for p in matches}
        self.initial.setdefault("person", str(matches[0].pk) if matches else "new")

    def chosen_person(self) -> Person | None:
        return self.matches.get(self.cleaned_data["person"])


def _on_record(person: Person, application: Application) -> str:
    label = _("%(name)s, already on record") % {"name": _describe(person)}
    said = application.birth_year
    if said and person.birth_year and person.birth_year != said:
        # Accepting keeps the record's year: the coordinator sees the difference before.
        label += " · " + _("the application gives %(year)s as the year of birth") % {"year": said}
    return label


def _describe(person: Person) -> str:
    parts = [person.full_name]
    if person.birth_year:
        parts.append(str(person.birth_year))
    if person.community_id:
        parts.append(str(person.community))
    return ", ".join(parts)


class DeclineForm(CleanForm):
    reason = forms.CharField(
        label=_("Why (sent to the applicant)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
