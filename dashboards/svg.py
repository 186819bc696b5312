"""Small server-side SVG charts for the printable report: a PDF runs no script, so the charts
the dashboard draws in the browser are drawn here as vector markup."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

COLOURS = ["#0b5ed7", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#6c757d"]


def bars(labels: list[str], series: list[list], names: list[str], *, width=680, height=220):
    """Grouped bars: one group per label, one bar per series. A mark (a withheld count, "<5"
    or "x") draws no bar and is written on the axis instead; None draws nothing."""
    left, bottom, top, right = 34, 46, 12, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s if isinstance(v, int | float)]
    peak = max(values, default=0) or 1
    step = _nice_step(peak)
    peak = step * -(-peak // step)
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = max(1.0, group_w * 0.8 / max(len(series), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="8">'
    ]
    tick = 0
    while tick <= peak:
        y = top + plot_h - plot_h * tick / peak
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 3}" y="{y + 3:.1f}" text-anchor="end">{int(tick)}</text>'
        )
        tick += step
    label_every = max(1, groups // 18)
    for g, label in enumerate(labels):
        x0 = left + g * group_w + group_w * 0.1
        for s, values_ in enumerate(series):
            value = values_[g] if g < len(values_) else None
            x = x0 + s * bar_w
            if isinstance(value, int | float) and value > 0:
                h = plot_h * value / peak
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                    f'height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}"/>'
                )
            elif isinstance(value, str):
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 2:.1f}" '
                    f'text-anchor="middle" font-size="6">{escape(value)}</text>'
                )
        if g % label_every == 0:
            parts.append(
                f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{top + plot_h + 11}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#555"/>'
    )
    x = left
    for s, name in enumerate(names):
        parts.append(
            f'<rect x="{x}" y="{height - 14}" width="9" height="9" '
            f'fill="{COLOURS[s % len(COLOURS)]}"/>'
            f'<text x="{x + 12}" y="{height - 6}">{escape(name)}</text>'
        )
        x += 24 + 6 * len(str(name))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def _nice_step(peak: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 6:
            return step
    return int(peak / 5) or 1
