from django import template
from django.utils.formats import number_format

from cohesion.privacy import HIDDEN, LARGEST_SMALL_COUNT, is_small, is_withheld, legend

register = template.Library()


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register.filter
def small_count(value, suppress=True):
    """Counts from 1 to 4 shown as "<5" where a small number could point at a person.
    `suppress` False shows the number as it is, to those who may see the people anyway."""
    number = _number(value)
    if number is None:
        return value
    return HIDDEN if suppress and is_small(number) else number


@register.filter
def is_small_count(value) -> bool:
    """Whether a count is one that small_count hides."""
    return is_small(_number(value))


@register.simple_tag
def small_count_rule() -> dict:
    """The rule's figures for the text that explains it: {% small_count_rule as rule %} gives
    rule.largest (4) and rule.hidden ("<5")."""
    return {"largest": LARGEST_SMALL_COUNT, "hidden": HIDDEN}


@register.inclusion_tag("includes/privacy_legend.html")
def privacy_legend(*, only_small: bool = False) -> dict:
    """The legend of the marks, for under a protected table; `only_small` where a page hides
    single counts only and so never shows "x"."""
    marks = legend()
    return {"marks": marks[:1] if only_small else marks}


@register.filter
def figure(value, unit="count"):
    """An indicator's value as shown: "—" when there is none, a mark as it is, a number with
    the language's thousands separator, a share with its per cent sign (never "x%")."""
    if value is None or value == "":
        return "—"
    if is_withheld(value):
        return value
    text = number_format(value, force_grouping=True)
    return f"{text}%" if unit == "percent" else text
