import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from communities.filters import BootstrapFilterSet
from workinggroups.models import WorkingGroup

ANY_GAP = "any"


class GroupFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(
        label=_("Community"),
        method="filter_community",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=WorkingGroup.Status.choices, empty_label=_("Any status")
    )
    # Gaps come from the scorecards, computed after the query: see filter_gaps.
    gap = django_filters.ChoiceFilter(
        label=_("Gaps"), method="filter_nothing", empty_label=_("Any composition")
    )

    class Meta:
        model = WorkingGroup
        fields = ["q", "status", "gap"]

    def __init__(self, *args, required, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["gap"].extra["choices"] = [
            (ANY_GAP, _("Any gap or unmet target")),
            *[
                (category.code, _("Missing: %(category)s") % {"category": category.name})
                for category in required
            ],
        ]

    def filter_community(self, queryset, name, value):
        from communities.models import search_key

        return queryset.filter(community__search_text__contains=search_key(value))

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_gaps(self, groups, cards):
        gap = self.form.cleaned_data.get("gap")
        if not gap:
            return groups
        if gap == ANY_GAP:
            return [group for group in groups if not cards[group.pk].is_complete]
        return [group for group in groups if any(c.code == gap for c in cards[group.pk].gaps)]
