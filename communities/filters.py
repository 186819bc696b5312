import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cohesion.forms import QuickSelect
from communities.models import Community, Organisation, Programme, Region


class BootstrapFilterSet(django_filters.FilterSet):
    """Gives the filter form's widgets Bootstrap's classes, its selects written out quickly
    (cohesion.forms.QuickSelect)."""

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            widget = field.widget
            if type(widget) is forms.Select:
                # Written out in Python: a filter form is on every request of a list page.
                field.widget = QuickSelect(attrs=widget.attrs, choices=widget.choices)
                field.widget.is_required = widget.is_required
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        return form


class CommunityFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(
        label=_("Name or KATOTTH code"),
        method="filter_text",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. Баранівська or UA1808")}
        ),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=Region.objects.all(), empty_label=_("All regions")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Community.Status.choices, empty_label=_("Any status")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Community.Kind.choices, empty_label=_("Any kind")
    )
    programme = django_filters.ModelChoiceFilter(
        label=_("Enrolled in"),
        queryset=Programme.objects.none(),
        method="filter_programme",
        empty_label=_("Any programme"),
    )

    class Meta:
        model = Community
        fields = ["q", "region", "status", "kind", "programme"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["programme"].queryset = Programme.objects.visible_to(user)

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_programme(self, queryset, name, value):
        return queryset.filter(pk__in=value.enrolments.current().values("community_id"))


class OrganisationFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(
        label=_("Organisation name"),
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Organisation.Kind.choices, empty_label=_("Any kind")
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name_uk__icontains=value)
            | Q(name_en__icontains=value)
            | Q(short_name__icontains=value)
        )
