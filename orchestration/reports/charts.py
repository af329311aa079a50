"""Dependency-free inline SVG charts for the report: line, bar, grouped bar and horizontal bar (funnels,
rankings). Output is deterministic (fixed palette, coordinates rounded to 0.1 px, no ids from counters or
clocks), so the same data gives byte-identical HTML. Missing values (None / NaN) are gaps, never zeros; a
chart with nothing to draw says so in its own frame. Every chart is one <svg class="chart" data-chart=ID>."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

Number = float | int | None
Formatter = Callable[[float], str]

# Tableau 10 (colour-blind friendly ordering); series keep their colour by position
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
AXIS = "#8a8f98"
GRID = "#e6e8eb"
TEXT = "#333a44"
MAX_X_LABELS = 8

WIDTH = 720
HEIGHT = 280
PAD_LEFT = 64
PAD_RIGHT = 16
PAD_TOP = 58  # room for the title and the legend
TITLE_Y = 16
LEGEND_Y = 38
LEGEND_ROW = 18
PAD_BOTTOM = 44


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]
    dashed: bool = False


def _f(x: float) -> str:
    """A coordinate: one decimal, no '-0.0'."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _ok(v: Number) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _default_format(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2g}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    start = math.floor(lo / step) * step
    ticks: list[float] = []
    t = start
    while t < hi + step * 0.5 and len(ticks) < 20:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _open(chart_id: str, kind: str, title: str, width: int, height: int, *, empty: bool = False) -> list[str]:
    # no xmlns: inline SVG in HTML5 gets its namespace from the parser, and the report carries no URL at all
    flag = ' data-empty="true"' if empty else ""
    return [
        f'<svg class="chart" data-chart="{escape(chart_id, quote=True)}" data-kind="{kind}"{flag}'
        f' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" role="img"'
        f' aria-label="{escape(title, quote=True)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="{TITLE_Y}" font-size="14" font-weight="600" fill="{TEXT}">{escape(title)}</text>',
    ]


def empty_chart(chart_id: str, title: str, text: str, kind: str = "empty", width: int = WIDTH) -> str:
    height = 96
    parts = _open(chart_id, kind, title, width, height, empty=True)
    parts.append(
        f'<rect x="0.5" y="26.5" width="{width - 1}" height="{height - 27}" fill="#fafbfc" stroke="{GRID}"/>'
    )
    parts.append(
        f'<text x="{width / 2:.1f}" y="{(height + 26) / 2 + 5:.1f}" text-anchor="middle" font-size="14" '
        f'fill="{AXIS}">{escape(text)}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(names: Sequence[str], dashed: Sequence[bool], width: int) -> tuple[list[str], int]:
    """Legend items left to right, wrapping onto further rows; returns (svg parts, extra height used)."""
    out: list[str] = []
    x, y = float(PAD_LEFT), float(LEGEND_Y)
    for i, name in enumerate(names):
        # CJK glyphs are about twice as wide as Latin ones at the same font size
        item_w = 34 + sum(12 if ord(ch) > 0x2E80 else 7 for ch in name)
        if x > PAD_LEFT and x + item_w > width - PAD_RIGHT:
            x, y = float(PAD_LEFT), y + LEGEND_ROW
        colour = PALETTE[i % len(PALETTE)]
        dash = ' stroke-dasharray="5 3"' if dashed[i] else ""
        out.append(
            f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 18)}" y2="{_f(y - 4)}" stroke="{colour}" '
            f'stroke-width="3"{dash}/>'
        )
        out.append(f'<text x="{_f(x + 22)}" y="{_f(y)}" font-size="12" fill="{TEXT}">{escape(name)}</text>')
        x += item_w
    return out, int(y - LEGEND_Y)


def _y_axis(ticks: Sequence[float], y: Callable[[float], float], width: int, fmt: Formatter) -> list[str]:
    out = []
    for t in ticks:
        yy = y(t)
        out.append(
            f'<line x1="{PAD_LEFT}" y1="{_f(yy)}" x2="{width - PAD_RIGHT}" y2="{_f(yy)}" stroke="{GRID}"/>'
        )
        out.append(
            f'<text x="{PAD_LEFT - 6}" y="{_f(yy + 4)}" text-anchor="end" font-size="11" '
            f'fill="{AXIS}">{escape(fmt(t))}</text>'
        )
    return out


def _x_label_indexes(n: int) -> list[int]:
    if n <= MAX_X_LABELS:
        return list(range(n))
    step = math.ceil((n - 1) / (MAX_X_LABELS - 1))
    picked = list(range(0, n, step))
    if picked[-1] != n - 1:
        if n - 1 - picked[-1] < step / 2:
            picked[-1] = n - 1
        else:
            picked.append(n - 1)
    return picked


def _x_label(x: float, height: int, label: str) -> str:
    """A category or date under the axis; a newline in the label starts a second line."""
    lines = label.split("\n")[:2]
    y = height - PAD_BOTTOM + 16
    if len(lines) == 1:
        return f'<text x="{_f(x)}" y="{y}" text-anchor="middle" font-size="11" fill="{AXIS}">{escape(label)}</text>'
    spans = "".join(
        f'<tspan x="{_f(x)}" dy="{0 if i == 0 else 13}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{_f(x)}" y="{y}" text-anchor="middle" font-size="11" fill="{AXIS}">{spans}</text>'


def _frame(series: Sequence[Series], width: int, height: int, legend: bool) -> tuple[list[str], int, int]:
    """(legend parts, plot top, total height): a wrapped legend adds rows above the plot, which keeps its
    height; without a legend the plot starts right under the title."""
    if not legend:
        return [], PAD_TOP - LEGEND_ROW, height - LEGEND_ROW
    parts, extra = _legend([s.name for s in series], [s.dashed for s in series], width)
    return parts, PAD_TOP + extra, height + extra


def line_chart(
    chart_id: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    empty_text: str,
    y_format: Formatter = _default_format,
    refs: Sequence[tuple[str, float]] = (),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """One line per series over shared x labels; None values break the line (a lone point is a dot).
    refs are labelled horizontal reference lines (targets)."""
    values = [float(v) for s in series for v in s.values if _ok(v)]  # type: ignore[arg-type]
    if not x_labels or not values:
        return empty_chart(chart_id, title, empty_text, "line", width)
    ref_values = [float(v) for _, v in refs if _ok(v)]
    ticks = nice_ticks(min(values + ref_values), max(values + ref_values))
    lo, hi = ticks[0], ticks[-1]
    legend, top, height = _frame(series, width, height, legend=len(series) > 1)
    plot_w = width - PAD_LEFT - PAD_RIGHT
    plot_h = height - top - PAD_BOTTOM
    n = len(x_labels)

    def x(i: int) -> float:
        return PAD_LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = _open(chart_id, "line", title, width, height)
    parts += legend
    parts += _y_axis(ticks, y, width, y_format)
    for i in _x_label_indexes(n):
        parts.append(_x_label(x(i), height, x_labels[i]))
    for label, value in refs:
        if not _ok(value):
            continue
        yy = y(float(value))
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{_f(yy)}" x2="{width - PAD_RIGHT}" y2="{_f(yy)}" stroke="{TEXT}" '
            f'stroke-width="1" stroke-dasharray="2 3"/>'
        )
        parts.append(
            f'<text x="{width - PAD_RIGHT - 2}" y="{_f(yy - 4)}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}">{escape(label)} {escape(y_format(float(value)))}</text>'
        )
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(list(s.values)[:n]):
            if _ok(v):
                segment.append(f"{_f(x(i))},{_f(y(float(v)))}")  # type: ignore[arg-type]
            elif segment:
                segments.append(segment)
                segment = []
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{" ".join(seg)}"/>'
                )
    parts.append(
        f'<line x1="{PAD_LEFT}" y1="{height - PAD_BOTTOM}" x2="{width - PAD_RIGHT}" '
        f'y2="{height - PAD_BOTTOM}" stroke="{AXIS}"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def grouped_bar_chart(
    chart_id: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    empty_text: str,
    y_format: Formatter = _default_format,
    value_format: Formatter | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Vertical bars: one group per category, one bar per series (a missing value leaves its slot empty).
    The value axis always includes zero; negative values hang below it. value_format labels each bar."""
    values = [float(v) for s in series for v in s.values if _ok(v)]  # type: ignore[arg-type]
    if not categories or not values:
        return empty_chart(chart_id, title, empty_text, "bar", width)
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    lo, hi = ticks[0], ticks[-1]
    legend, top, height = _frame(series, width, height, legend=len(series) > 1 or bool(series[0].name))
    plot_w = width - PAD_LEFT - PAD_RIGHT
    plot_h = height - top - PAD_BOTTOM

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    group_w = plot_w / len(categories)
    inner = group_w * 0.8
    bar_w = inner / max(len(series), 1)
    parts = _open(chart_id, "bar", title, width, height)
    parts += legend
    parts += _y_axis(ticks, y, width, y_format)
    label_every = max(1, math.ceil(len(categories) / 24))
    for ci, category in enumerate(categories):
        gx = PAD_LEFT + group_w * ci + (group_w - inner) / 2
        if ci % label_every == 0:
            parts.append(_x_label(PAD_LEFT + group_w * (ci + 0.5), height, category))
        for si, s in enumerate(series):
            v = list(s.values)[ci] if ci < len(s.values) else None
            if not _ok(v):
                continue
            fv = float(v)  # type: ignore[arg-type]
            bar_top, bar_bottom = sorted((y(fv), y(0.0)))
            bx = gx + bar_w * si
            parts.append(
                f'<rect x="{_f(bx + 1)}" y="{_f(bar_top)}" width="{_f(max(bar_w - 2, 1))}" '
                f'height="{_f(max(bar_bottom - bar_top, 0.5))}" fill="{PALETTE[si % len(PALETTE)]}">'
                f"<title>{escape(category)} · {escape(s.name)}: {escape(y_format(fv))}</title></rect>"
            )
            if value_format is not None and bar_w >= 24:
                ly = bar_top - 3 if fv >= 0 else bar_bottom + 11
                parts.append(
                    f'<text x="{_f(bx + bar_w / 2)}" y="{_f(ly)}" text-anchor="middle" font-size="10" '
                    f'fill="{TEXT}">{escape(value_format(fv))}</text>'
                )
    parts.append(
        f'<line x1="{PAD_LEFT}" y1="{_f(y(0.0))}" x2="{width - PAD_RIGHT}" y2="{_f(y(0.0))}" stroke="{AXIS}"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(
    chart_id: str,
    categories: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    empty_text: str,
    y_format: Formatter = _default_format,
    value_format: Formatter | None = None,
    name: str = "",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Vertical bars, one per category."""
    return grouped_bar_chart(
        chart_id,
        categories,
        [Series(name, values)],
        title=title,
        empty_text=empty_text,
        y_format=y_format,
        value_format=value_format,
        width=width,
        height=height,
    )


def hbar_chart(
    chart_id: str,
    categories: Sequence[str],
    values: Sequence[Number],
    *,
    title: str,
    empty_text: str,
    value_labels: Sequence[str] | None = None,
    width: int = WIDTH,
    bar_height: int = 26,
) -> str:
    """Horizontal bars, top to bottom, each labelled with its text (funnels: a stage with a tiny value keeps
    a visible sliver and its label carries the figure)."""
    present = [float(v) for v in values if _ok(v)]  # type: ignore[arg-type]
    if not categories or not present:
        return empty_chart(chart_id, title, empty_text, "hbar", width)
    label_w = 150
    text_w = 190
    top = 28
    height = top + 10 + bar_height * len(categories)
    peak = max(max(present), 0.0) or 1.0
    plot_w = width - label_w - text_w
    parts = _open(chart_id, "hbar", title, width, height)
    for i, category in enumerate(categories):
        yy = top + bar_height * i
        parts.append(
            f'<text x="{label_w - 8}" y="{_f(yy + bar_height / 2 + 4)}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{escape(category)}</text>'
        )
        v = values[i] if i < len(values) else None
        label = value_labels[i] if value_labels is not None and i < len(value_labels) else ""
        if _ok(v):
            w = max(plot_w * max(float(v), 0.0) / peak, 2.0)  # type: ignore[arg-type]
            parts.append(
                f'<rect x="{label_w}" y="{_f(yy + 3)}" width="{_f(w)}" height="{bar_height - 6}" '
                f'fill="{PALETTE[0]}"/>'
            )
            tx = label_w + w + 6
        else:
            tx = float(label_w + 6)
        parts.append(
            f'<text x="{_f(tx)}" y="{_f(yy + bar_height / 2 + 4)}" font-size="12" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
