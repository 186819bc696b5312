from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cohesion.forms import CleanForm, CleanModelForm
from communities.models import Organisation
from safetyplans.models import Action, ActionTracking, Measure, PlanVersion, Priority
from safetyplans.selectors import DECISION_OPTIONS_MAX, decisions_matching
from safetyplans.services import MEASURE_FIELDS, decisions_of


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


class DecisionSearchForm(CleanForm):
    """What the decision picker looks for: words of the decision, the meetings' dates."""

    decision_q = forms.CharField(label=_("Find a decision"), required=False, max_length=100)
    decision_since = forms.DateField(label=_("Meetings from"), required=False, widget=DateInput())
    decision_until = forms.DateField(label=_("Meetings until"), required=False, widget=DateInput())

    def terms(self) -> dict:
        """The search as typed, a date that is not one left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "text": data.get("decision_q") or "",
            "since": data.get("decision_since"),
            "until": data.get("decision_until"),
        }


def decision_options(decisions, chosen) -> list[dict]:
    """The checkboxes of the decision picker."""
    chosen = {str(pk) for pk in chosen}
    return [
        {"value": d.pk, "label": _decision_label(d), "checked": str(d.pk) in chosen}
        for d in decisions
    ]


class DecisionPicker(forms.widgets.ChoiceWidget):
    """The group's decisions as checkboxes: those chosen, then a few found by a search (words,
    meeting dates). The search works as one types (HTMX asks safetyplans:decision_options) and
    without a script: its button sends the form back to be shown again, nothing saved."""

    allow_multiple_selected = True
    input_type = "checkbox"
    template_name = "safetyplans/widgets/decision_picker.html"
    use_fieldset = True

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.decisions, self.search = [], {}

    def get_context(self, name, value, attrs):
        # Not ChoiceWidget's: that would list every decision of the field's queryset.
        context = forms.Widget.get_context(self, name, value, attrs)
        context["widget"]["options"] = decision_options(self.decisions, context["widget"]["value"])
        context["widget"]["search"] = self.search
        return context

    def _render(self, template_name, context, renderer=None):
        return mark_safe(render_to_string(template_name, context))

    def id_for_label(self, id_, index=None):
        return ""


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
            "decisions": DecisionPicker,
        }

    def __init__(self, *args, version: PlanVersion, **kwargs):
        self._rebuild_kwargs = {"version": version, "instance": kwargs.get("instance")}
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name_uk")
        self.fields["priority"].queryset = version.priorities.order_by("position")
        self.fields["responsible"].queryset = organisations
        self.fields["partners"].queryset = organisations
        decisions = decisions_of(version.plan.group)
        self.fields["decisions"].queryset = decisions
        self.fields["revision"].required = self.instance.pk is not None
        if self.instance.pk is not None and not self.is_bound:
            self.initial["revision"] = self.instance.revision
        search = DecisionSearchForm(self.data if self.is_bound else None)
        picker = self.fields["decisions"].widget
        picker.decisions = decisions_matching(
            decisions, **search.terms(), keep=self._chosen_decisions()
        )
        picker.search = {
            "form": search,
            "limit": DECISION_OPTIONS_MAX,
            "url": reverse("safetyplans:decision_options", args=[version.plan_id, version.number]),
        }

    def _chosen_decisions(self) -> list:
        if self.is_bound:
            getlist = getattr(self.data, "getlist", None)
            return getlist("decisions") if getlist else list(self.data.get("decisions") or [])
        if "decisions" in self.initial:
            return [getattr(d, "pk", d) for d in self.initial["decisions"] or []]
        return []


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


class MeetingProgressForm(TrackForm):
    """Progress of one of the group's plan actions, reported at a meeting (dated that day)."""

    tracking = forms.ModelChoiceField(
        label=_("Plan action"), queryset=ActionTracking.objects.none(), empty_label=None
    )
    on = None
    field_order = ["tracking", "status", "progress", "note"]

    def __init__(self, *args, trackings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracking"].queryset = trackings
        self.fields["tracking"].label_from_instance = _tracking_label


def _tracking_label(tracking) -> str:
    return (
        f"{tracking.plan.period_start.year}–{tracking.plan.period_end.year}: "
        + str(tracking.action.activity)[:120]
    )


class MeasureForm(CleanModelForm):
    class Meta:
        model = Measure
        fields = list(MEASURE_FIELDS)
        widgets = {
            "activity": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "result": _(
                "What came of it, in figures where you can. No names of people: every "
                "programme's coordinators, leaders and donors read the library."
            ),
        }


class LibrarySearchForm(CleanForm):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Issue category"),
        required=False,
        choices=[("", _("All categories")), *Priority.Category.choices],
    )

    def terms(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"text": data.get("q") or "", "category": data.get("category") or ""}
