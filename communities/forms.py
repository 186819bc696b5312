from django import forms
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from cohesion.forms import CleanForm, CleanModelForm
from communities.models import Community, Organisation, Programme


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClosedWithinPeriod:
    """For the forms that change a programme's period but not the day it closed early: model
    validation leaves the constraint keeping closed_on within the period to the database when
    the form does not carry closed_on, so it is checked here for a clear message."""

    def clean(self):
        cleaned = super().clean()
        closed_on = self.instance.closed_on
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if closed_on and start and end and not start <= closed_on <= end:
            raise forms.ValidationError(
                _("The programme closed early on %(date)s: its period must include that day.")
                % {"date": closed_on.strftime("%d.%m.%Y")}
            )
        return cleaned


class ProgrammeForm(ClosedWithinPeriod, CleanModelForm):
    class Meta:
        model = Programme
        fields = [
            "title_uk",
            "title_en",
            "summary_uk",
            "summary_en",
            "implementing_partner",
            "donors",
            "partners",
            "framework",
            "start_date",
            "end_date",
            "required_categories",
            "is_public",
            "publishes_plans",
            "iati_identifier",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "summary_uk": forms.Textarea(attrs={"rows": 4}),
            "summary_en": forms.Textarea(attrs={"rows": 4}),
            "donors": forms.SelectMultiple(attrs={"size": 6}),
            "partners": forms.SelectMultiple(attrs={"size": 6}),
            "required_categories": forms.CheckboxSelectMultiple(),
        }


class EnrolForm(CleanForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), widget=forms.HiddenInput)
    enrolled_on = forms.DateField(label=_("Enrolled on"), widget=DateInput())

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class WithdrawForm(CleanForm):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput(), initial=clock.today)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example: occupation, active hostilities, merged with another community."),
    )


class CommunityForm(CleanModelForm):
    class Meta:
        model = Community
        fields = [
            "name_uk",
            "name_en",
            "kind",
            "status",
            "status_note",
            "population",
            "latitude",
            "longitude",
        ]


class OrganisationForm(CleanModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = [
            "name_uk",
            "name_en",
            "short_name",
            "kind",
            "community",
            "website",
            "description",
            "iati_identifier",
            "iati_type",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        # The full directory has ~1,800 hromadas: offer those enrolled in programmes (and the
        # current one), which is where organisations that take part are found.
        queryset = communities
        if self.instance.community_id:
            queryset = queryset | Community.objects.filter(pk=self.instance.community_id)
        self.fields["community"].queryset = queryset.select_related("region").distinct()
