"""Small SVG charts made on the server: no chart library, nothing from a CDN.

Each chart is an image with a title for assistive technology; the pages
always show the same figures as a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import escape
from markupsafe import Markup

BAR_COLOUR = "#0b4aa2"
TEXT_COLOUR = "#1b1f24"
GRID_COLOUR = "#c4ccd6"


def bar_chart(title: str, rows: Sequence[tuple[str, float]], *, width: int = 640) -> Markup:
    """Horizontal bars, one per (label, value), with the value written at the end."""
    bar_height, gap, label_width, value_width = 22, 8, 230, 60
    height = max(1, len(rows)) * (bar_height + gap) + gap
    top = max((value for _, value in rows), default=0) or 1
    usable = width - label_width - value_width
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{_id(title)}">',
        f'<title id="{_id(title)}">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = usable * value / top
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.72:.1f}" text-anchor="end" '
            f'font-size="14" fill="{TEXT_COLOUR}">{escape(_shorten(label, 30))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1):.1f}" height="{bar_height}" '
            f'fill="{BAR_COLOUR}" rx="3"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.72:.1f}" '
            f'font-size="14" fill="{TEXT_COLOUR}">{escape(_number(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    title: str, columns: Sequence[tuple[str, float]], *, width: int = 640, height: int = 200
) -> Markup:
    """Vertical columns over time (e.g. messages per hour), labels under every few columns."""
    margin_bottom, margin_left = 28, 36
    count = max(1, len(columns))
    top = max((value for _, value in columns), default=0) or 1
    step = (width - margin_left) / count
    plot = height - margin_bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{_id(title)}">',
        f'<title id="{_id(title)}">{escape(title)}</title>',
        f'<line x1="{margin_left}" y1="{plot}" x2="{width}" y2="{plot}" stroke="{GRID_COLOUR}"/>',
        f'<text x="{margin_left - 6}" y="14" text-anchor="end" font-size="12" '
        f'fill="{TEXT_COLOUR}">{escape(_number(top))}</text>',
    ]
    label_every = max(1, count // 8)
    for index, (label, value) in enumerate(columns):
        x = margin_left + index * step
        column = (plot - 20) * value / top
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{plot - column:.1f}" width="{step * 0.7:.1f}" '
            f'height="{column:.1f}" fill="{BAR_COLOUR}"/>'
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 8}" text-anchor="middle" '
                f'font-size="12" fill="{TEXT_COLOUR}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _id(title: str) -> str:
    return "chart-" + "".join(char if char.isalnum() else "-" for char in title.lower())[:40]


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
