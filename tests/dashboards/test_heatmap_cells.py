"""The heatmap's cells, written in Python (meetings.templatetags.compliance.heatmap_cells): a
region's rate with its band, a group's month as its label, never a raw code."""

from django.template import Context, Template
from django.utils import translation

from meetings.templatetags.compliance import heatmap_cells


def test_a_regions_cells_show_its_rate_in_its_band_and_nothing_for_a_month_without_groups():
    html = heatmap_cells([100, 90, 89, 60, 59, 0, None], "region")

    assert html == (
        '<td class="rate-high">100</td>'
        '<td class="rate-high">90</td>'
        '<td class="rate-mid">89</td>'
        '<td class="rate-mid">60</td>'
        '<td class="rate-low">59</td>'
        '<td class="rate-low">0</td>'
        '<td class="rate-none"></td>'
    )


def test_a_groups_cells_carry_each_months_label_for_the_tooltip_and_screen_readers():
    with translation.override("uk"):
        html = heatmap_cells(["held", "missed", "not_expected"], "group")

    assert html == (
        '<td class="cell-held" title="відбулося"><span class="visually-hidden">відбулося</span>'
        "</td>"
        '<td class="cell-missed" title="пропущено"><span class="visually-hidden">пропущено'
        "</span></td>"
        '<td class="cell-not_expected" title="не очікувалося"><span class="visually-hidden">'
        "не очікувалося</span></td>"
    )


def test_the_tag_writes_what_the_template_did():
    template = Template("{% load compliance %}{% heatmap_cells cells by %}")
    with translation.override("en"):
        html = template.render(Context({"cells": ["held", "due"], "by": "group"}))

    assert html == (
        '<td class="cell-held" title="held"><span class="visually-hidden">held</span></td>'
        '<td class="cell-due" title="due this month"><span class="visually-hidden">'
        "due this month</span></td>"
    )
