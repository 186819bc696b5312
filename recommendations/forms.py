from django import forms
from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cohesion.forms import CleanForm
from communities.forms import DateInput
from communities.models import Organisation
from recommendations.models import Answer, Implementation, Stage

# The bodies a group's recommendations go to, offered first and in this order.
AUTHORITIES = [
    Organisation.Kind.LOCAL_GOVERNMENT,
    Organisation.Kind.MILITARY_ADMINISTRATION,
    Organisation.Kind.POLICE,
    Organisation.Kind.SES,
]


def addressees_for(group):
    """The bodies a group may address: the organisations of its community, and the public
    authorities that serve several communities (recorded without one); authorities first."""
    return (
        Organisation.objects.filter(
            Q(community_id=group.community_id) | Q(community__isnull=True, kind__in=AUTHORITIES)
        )
        .annotate(
            authority_order=Case(
                *[When(kind=kind, then=Value(index)) for index, kind in enumerate(AUTHORITIES)],
                default=Value(len(AUTHORITIES)),
                output_field=IntegerField(),
            )
        )
        .order_by("authority_order", "name_uk")
    )


class AddresseeField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


def _deadline_help():
    return ngettext_lazy(
        "Empty: %(days)d day after sending, as the law on citizens' appeals gives.",
        "Empty: %(days)d days after sending, as the law on citizens' appeals gives.",
        "days",
    ) % {"days": settings.RECOMMENDATION_ANSWER_DAYS}


class RecommendationForm(CleanForm):
    decision = forms.ModelChoiceField(
        label=_("From the decision"), queryset=None, required=False,
        empty_label=_("— not one of the recorded decisions —"),
    )  # fmt: skip
    title = forms.CharField(label=_("Title"), max_length=300)
    text = forms.CharField(
        label=_("Text of the recommendation"), widget=forms.Textarea(attrs={"rows": 5})
    )
    addressee = AddresseeField(label=_("Addressed to"), queryset=None)
    sent_on = forms.DateField(
        label=_("Sent on"), widget=DateInput(), required=False,
        help_text=_("Leave empty if it has not been sent yet."),
    )  # fmt: skip
    letter_number = forms.CharField(label=_("Letter number"), max_length=60, required=False)
    answer_due_on = forms.DateField(label=_("Answer due by"), widget=DateInput(), required=False)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = meeting.decisions.all()
        self.fields["addressee"].queryset = addressees_for(meeting.group)
        self.fields["answer_due_on"].help_text = _deadline_help()


class SendForm(CleanForm):
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput())
    letter_number = forms.CharField(label=_("Letter number"), max_length=60, required=False)
    answer_due_on = forms.DateField(label=_("Answer due by"), widget=DateInput(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer_due_on"].help_text = _deadline_help()


class AnswerForm(CleanForm):
    outcome = forms.ChoiceField(
        label=_("The body's answer"), choices=Answer.Outcome.choices, widget=forms.RadioSelect
    )
    received_on = forms.DateField(label=_("Answer received on"), widget=DateInput())
    summary = forms.CharField(
        label=_("What the answer says"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    document = forms.FileField(label=_("Answer document (scan)"), required=False)


class StepForm(CleanForm):
    on = forms.DateField(label=_("Date"), widget=DateInput())
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    status = forms.ChoiceField(label=_("How far it is implemented"), choices=Implementation.choices)


class RecommendationFilterForm(CleanForm):
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("all stages")), *Stage.choices], required=False
    )
    addressee = AddresseeField(
        label=_("Addressed to"), queryset=None, required=False, empty_label=_("all bodies")
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        # The bodies the programme's groups have written to: a short list.
        self.fields["addressee"].queryset = (
            Organisation.objects.filter(recommendations_received__group__programme=programme)
            .distinct()
            .order_by("name_uk")
        )
