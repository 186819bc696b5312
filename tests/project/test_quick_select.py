"""cohesion.forms.QuickSelect writes out the same select as Django's widget, only faster: the
same options, groups, chosen value and attributes, every label escaped."""

import re

import pytest
from django import forms

from cohesion.forms import QuickSelect
from communities.filters import CommunityFilter
from communities.models import Community, Region

CHOICES = [
    ("", "Усі регіони"),
    ("1", "Вінницька"),
    ("Схід", [("2", "Харківська"), ("3", 'Донецька <b>"&"</b>')]),
    (4, "Київ"),
]


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", "1", "3", 4, "missing"])
@pytest.mark.parametrize(
    "attrs", [{}, {"class": "form-select", "id": "id_region", "required": True, "data-x": "a&b"}]
)
def test_it_writes_what_djangos_select_writes(value, attrs):
    django = forms.Select(attrs=attrs, choices=CHOICES).render("region", value)
    quick = QuickSelect(attrs=attrs, choices=CHOICES).render("region", value)
    assert normalised(quick) == normalised(django)
    assert "<b>" not in quick


@pytest.mark.django_db
def test_a_filter_forms_selects_are_quick_and_keep_the_visitors_choice(coordinator):
    region = Region.objects.order_by("pk").first()
    filters = CommunityFilter(
        {"region": str(region.pk), "status": Community.Status.FRONTLINE},
        queryset=Community.objects.all(),
        user=coordinator,
    )
    form = filters.form
    assert isinstance(form.fields["region"].widget, QuickSelect)
    html = str(form["region"])
    assert f'<option value="{region.pk}" selected>' in html
    assert 'class="form-select"' in html
    assert f'<option value="{Community.Status.FRONTLINE}" selected>' in str(form["status"])
