from django import template

from cohesion.privacy import HIDDEN, LARGEST_SMALL_COUNT, is_small

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
