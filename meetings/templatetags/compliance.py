"""The monthly compliance states (meetings.selectors) as people read them: a cell of the
compliance grid or the dashboard's heatmap holds a code ("not_expected"), shown only through
its label, also in tooltips and to screen readers."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


def _rate_class(rate) -> str:
    if rate is None:
        return "none"
    return "high" if rate >= 90 else "mid" if rate >= 60 else "low"


@register.simple_tag
def heatmap_cells(cells, by: str) -> str:
    """One heatmap row's cells: a region's rate each month, or a group's state with its label
    for the tooltip and screen readers. Written in Python: 1,500 cells of template `if`s were
    a fifth of a cold national dashboard."""
    if by == "region":
        return mark_safe(
            "".join(
                # Centred by the heatmap's stylesheet: 1,260 cells of a national programme.
                f'<td class="rate-{_rate_class(rate)}">{"" if rate is None else int(rate)}</td>'
                for rate in cells
            )
        )
    labels = {state: escape(label) for state, label in LABELS.items()}
    return mark_safe(
        "".join(
            f'<td class="cell-{escape(state)}" title="{labels.get(state, "")}">'
            f'<span class="visually-hidden">{labels.get(state, "")}</span></td>'
            for state in cells
        )
    )
