"""The small-count rule (cohesion.privacy) is defined once: the dashboards' suppression, the
template filters and the text that explains the rule all take it from there."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from cohesion import privacy
from dashboards import suppression

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def render(source: str, **context) -> str:
    return Template("{% load privacy %}" + source).render(Context(context))


def test_counts_from_one_to_four_are_small_and_shown_as_less_than_five():
    assert [privacy.is_small(n) for n in range(7)] == [False, *[True] * 4, False, False]
    assert privacy.HIDDEN == "<5"
    assert suppression.HIDDEN is privacy.HIDDEN
    assert suppression.is_small is privacy.is_small


@pytest.mark.parametrize(
    ("value", "suppress", "shown"),
    [(0, True, "0"), (3, True, "&lt;5"), ("4", True, "&lt;5"), (5, True, "5"), (3, False, "3"),
     ("", True, ""), (None, True, "None")],
)  # fmt: skip
def test_the_small_count_filter(value, suppress, shown):
    assert render("{{ n|small_count:suppress }}", n=value, suppress=suppress) == shown


def test_templates_ask_the_filters_whether_a_count_is_small():
    source = "{% if n|is_small_count %}small{% else %}not{% endif %}"
    assert [render(source, n=n) for n in (0, 1, "4", 5, "")] == ["not", "small", "small", "not",
                                                                 "not"]  # fmt: skip


def test_the_text_explaining_the_rule_gets_its_figures_from_the_rule():
    source = "{% small_count_rule as rule %}1 to {{ rule.largest }} as {{ rule.hidden }}"
    assert render(source) == "1 to 4 as &lt;5"


def test_no_template_writes_the_threshold_itself():
    # "< 5", "<5" or "&lt;5" in a template, or the text "1 to 4": the rule written again.
    threshold = re.compile(r"(<|&lt;)\s*5\b|\b1 to 4\b")
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if threshold.search(re.sub(r"\{#.*?#\}", "", line))
    ]
    assert found == []
