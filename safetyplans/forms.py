from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohesion.forms import CleanForm, CleanModelForm
from communities.models import Organisation
from safetyplans.models import Action, ActionTracking, PlanVersion, Priority
from safetyplans.services import decisions_of


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RevisionMixin(CleanForm):
    """The revision the form was opened at; a save carrying an older one is a conflict."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def with_revision(self, revision: int):
        """The same form, as typed, now based on the latest saved revision: saving it again
        is a deliberate choice to replace what the other person saved."""
        data = self.data.copy()
        data["revision"] = str(revision)
        form = type(self)(data, **self._rebuild_kwargs)
        form.is_valid()
        return form


class PlanForm(CleanForm):
    period_start = forms.DateField(label=_("Period from"), widget=DateInput())
    period_end = forms.DateField(label=_("Period to"), widget=DateInput())
    context_summary = forms.CharField(
        label=_("Context"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "The community's situation and what the plan responds to. You can add it later."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", _("The period must end after it starts."))
        return cleaned


class ContextForm(RevisionMixin, CleanForm):
    context_summary = forms.CharField(
        label=_("Context"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args, **kwargs):
        self._rebuild_kwargs = {}
        super().__init__(*args, **kwargs)


class PriorityForm(RevisionMixin, CleanModelForm):
    class Meta:
        model = Priority
        fields = [
            "issue", "category", "description", "likelihood", "impact", "evidence",
            "evidence_note", "evidence_decision",
        ]  # fmt: skip
        widgets = {
            "likelihood": forms.Select(choices=[(n, n) for n in range(1, 6)]),
            "impact": forms.Select(choices=[(n, n) for n in range(1, 6)]),
            "description": forms.Textarea(attrs={"rows": 3}),
            "evidence_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, version: PlanVersion, **kwargs):
        self._rebuild_kwargs = {"version": version, "instance": kwargs.get("instance")}
        super().__init__(*args, **kwargs)
        self.fields["evidence_decision"].queryset = decisions_of(version.plan.group)
        self.fields["evidence_decision"].label_from_instance = _decision_label
        self.fields["revision"].required = self.instance.pk is not None
        if self.instance.pk is not None and not self.is_bound:
            self.initial["revision"] = self.instance.revision


def _decision_label(decision) -> str:
    return f"{timezone.localtime(decision.meeting.starts_at):%d.%m.%Y}: {decision.text[:120]}"


class ActionForm(RevisionMixin, CleanModelForm):
    class Meta:
        model = Action
        fields = [
            "priority", "activity", "responsible", "responsible_other", "partners",
            "partners_other", "starts_on", "ends_on", "budget_uah", "funding_source",
            "indicator", "decisions",
        ]  # fmt: skip
        widgets = {
            "activity": forms.Textarea(attrs={"rows": 2}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "partners": forms.SelectMultiple(attrs={"size": 6}),
            "decisions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, version: PlanVersion, **kwargs):
        self._rebuild_kwargs = {"version": version, "instance": kwargs.get("instance")}
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name_uk")
        self.fields["priority"].queryset = version.priorities.order_by("position")
        self.fields["responsible"].queryset = organisations
        self.fields["partners"].queryset = organisations
        self.fields["decisions"].queryset = decisions_of(version.plan.group)
        self.fields["decisions"].label_from_instance = _decision_label
        self.fields["revision"].required = self.instance.pk is not None
        if self.instance.pk is not None and not self.is_bound:
            self.initial["revision"] = self.instance.revision


class ReturnForm(CleanForm):
    comments = forms.CharField(
        label=_("What should change"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ApproveForm(CleanForm):
    approving_body = forms.CharField(
        label=_("Approved by"),
        max_length=300,
        help_text=_("For example: the community council (сесія сільської ради)."),
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput())
    decision_file = forms.FileField(
        label=_("Signed decision (PDF, JPEG or PNG)"), required=False, max_length=255
    )


class TrackForm(CleanForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionTracking.Status.choices)
    progress = forms.IntegerField(label=_("Progress, %"), min_value=0, max_value=100)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
