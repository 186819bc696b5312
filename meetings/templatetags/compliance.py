"""The monthly compliance states (meetings.selectors) as people read them: a cell of the
compliance grid or the dashboard's heatmap holds a code ("not_expected"), shown only through
its label, also in tooltips and to screen readers."""

from django import template

from meetings.selectors import LABELS

register = template.Library()


@register.filter
def compliance_label(state: str) -> str:
    """The label of a month's state; "" for anything that is not one."""
    return LABELS.get(state, "")


@register.simple_tag
def compliance_labels() -> dict:
    """Every state with its label, in the grid's order, for a legend."""
    return LABELS
