import calendar
import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from cohesion.forms import CleanForm
from dashboards.indicators import INDICATORS
from dashboards.models import Export

MONTH_INPUT = {"type": "month", "class": "form-control form-control-sm"}


def _month(value: str) -> datetime.date | None:
    try:
        year, month = (int(part) for part in value.split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        return None


class MonthField(forms.Field):
    """A month as YYYY-MM (the browser's month input), cleaned to its first day."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.TextInput(attrs=MONTH_INPUT), **kwargs)

    def to_python(self, value):
        value = str(value or "").strip()[:20]
        if not value:
            return None
        month = _month(value)
        if month is None or not 2000 <= month.year <= 2100:
            raise forms.ValidationError(_("Give a month as YYYY-MM."), code="invalid")
        return month

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, datetime.date) else value


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


class PeriodForm(CleanForm):
    start = MonthField(label=_("From"), required=False)
    end = MonthField(label=_("To"), required=False)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=None,
        required=False,
        empty_label=_("All communities"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import Community
        from dashboards.indicators import Period

        # An export, like the dashboard, ends today at the latest (or at the programme's end).
        self.last_day = Period.of(programme).end

        self.programme = programme
        self.fields["community"].queryset = Community.objects.filter(
            working_groups__programme=programme
        ).order_by("name_uk")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period must end after it starts."))
        return cleaned

    def period(self, default):
        """The chosen period, whole months, within reason; `default` where not chosen."""
        from dashboards.indicators import Period

        if not self.is_valid():
            return default
        start = self.cleaned_data.get("start") or default.start
        end = self.cleaned_data.get("end")
        # Not past the default's end (today, or the programme's last day): a month still
        # running gives the figures up to today, as the page does when nothing is chosen.
        end = min(month_end(end), default.end) if end else default.end
        if end < start:
            return default
        return Period(start, end)


def _number(indicator, *, minimum, initial, label, column=None):
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=minimum,
        max_digits=12,
        decimal_places=1,
        max_value=100 if indicator.unit == "percent" else None,
        initial=initial,
        # In a table, each input says which indicator and which column it is.
        widget=forms.NumberInput(
            attrs={
                "class": "form-control form-control-sm",
                "aria-label": f"{indicator.label}: {column or label}",
            }
        ),
    )


class TargetsForm(CleanForm):
    """The programme's tracking plan: the reporting periods, and for each indicator its
    baseline, its life-of-programme target (field named by the indicator's code) and its
    target for each period ("target:<code>:<first day>")."""

    def __init__(self, *args, targets: dict, baselines=None, frequency=None, periods=(),
                 period_targets=None, **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        from dashboards.models import TrackingPlan

        baselines, period_targets = baselines or {}, period_targets or {}
        self.periods = list(periods)
        self.fields["frequency"] = forms.ChoiceField(
            label=_("Reporting periods"),
            choices=TrackingPlan.Frequency.choices,
            required=False,
            initial=frequency,
        )
        for indicator in INDICATORS:
            code = indicator.code
            self.fields[code] = _number(
                indicator,
                minimum=0.1,
                initial=targets.get(code),
                label=indicator.label,
                column=_("Life-of-programme target"),
            )
            self.fields[f"baseline:{code}"] = _number(
                indicator, minimum=0, initial=baselines.get(code), label=_("Baseline")
            )
            for label, period in self.periods:
                self.fields[f"target:{code}:{period.start:%Y-%m-%d}"] = _number(
                    indicator,
                    minimum=0.1,
                    initial=period_targets.get((code, period.start)),
                    label=label,
                )

    def rows(self):
        """(section, [(indicator, baseline field, target field, [period fields])])."""
        grouped: dict[str, list] = {}
        for indicator in INDICATORS:
            code = indicator.code
            grouped.setdefault(str(indicator.section), []).append(
                (
                    indicator,
                    self[f"baseline:{code}"],
                    self[code],
                    [self[f"target:{code}:{p.start:%Y-%m-%d}"] for _label, p in self.periods],
                )
            )
        return list(grouped.items())

    def plan(self) -> dict:
        """What to save: targets, baselines and period targets by indicator."""
        data = self.cleaned_data
        return {
            "frequency": data.get("frequency") or None,
            "targets": {i.code: data.get(i.code) for i in INDICATORS},
            "baselines": {i.code: data.get(f"baseline:{i.code}") for i in INDICATORS},
            "period_targets": {
                (i.code, p.start): data.get(f"target:{i.code}:{p.start:%Y-%m-%d}")
                for i in INDICATORS
                for _label, p in self.periods
            },
        }


class ExportForm(CleanForm):
    kind = forms.ChoiceField(label=_("What"), choices=Export.Kind.choices)
    start = MonthField(label=_("From"))
    end = MonthField(label=_("To"))
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=None, required=False, empty_label=_("All communities")
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("uk", "Українська"), ("en", "English")]
    )
    hxl = forms.BooleanField(
        label=_("HXL hashtags under the header (tables)"),
        required=False,
        help_text=_("A row of HXL hashtags for OCHA and the humanitarian clusters."),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import Community
        from dashboards.indicators import Period

        # An export, like the dashboard, ends today at the latest (or at the programme's end).
        self.last_day = Period.of(programme).end

        self.fields["community"].queryset = Community.objects.filter(
            working_groups__programme=programme
        ).order_by("name_uk")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The period must end after it starts."))
            elif (end.year - start.year) * 12 + end.month - start.month >= 120:
                self.add_error("end", _("An export covers at most ten years."))
            elif start > self.last_day:
                self.add_error("start", _("The programme has no figures for this period yet."))
            else:
                cleaned["end"] = min(month_end(end), self.last_day)
        return cleaned


COMMENT_MAX_CHARS = 1000


class CommentsForm(CleanForm):
    """A short comment on each indicator for one reporting period."""

    def __init__(self, *args, comments: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for indicator in INDICATORS:
            self.fields[indicator.code] = forms.CharField(
                label=indicator.label,
                help_text=indicator.definition,
                required=False,
                max_length=COMMENT_MAX_CHARS,
                initial=comments.get(indicator.code, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def sections(self):
        grouped: dict[str, list] = {}
        for indicator in INDICATORS:
            grouped.setdefault(str(indicator.section), []).append(self[indicator.code])
        return list(grouped.items())
