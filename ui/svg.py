"""Line charts as inline SVG, built on the server in a millisecond.

The Train page redraws its curves every two seconds while a run trains, on the cores the run
trains on. Vega-Lite charts cost the browser about 35 ms of script per chart per refresh,
which took more than a tenth off the training speed on two cores; an SVG polyline costs
almost nothing to draw. Hovering a dot shows its value (an SVG <title>).

Text, axis and grid are drawn in currentColor, the page's text colour, at some opacity: the same
SVG reads on Streamlit's light theme and its dark one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np

WIDTH, HEIGHT = 470, 270  # the viewBox: about a half-page column, so text stays near 12 px
LEFT, RIGHT, TOP, BOTTOM = 58, 24, 52, 40  # margins for the axes, the title and the legend
MAX_POINTS = 400  # longer lines are thinned to about this many points
LEGEND_ROW = 18  # px between legend rows: a legend that wraps makes the chart taller, not the plot smaller
TITLE = 'fill="currentColor"'
TEXT = 'fill="currentColor" fill-opacity="0.8"'
AXIS = 'stroke="currentColor" stroke-opacity="0.8"'
GRID = 'stroke="currentColor" stroke-opacity="0.12"'


@dataclass(frozen=True)
class Line:
    name: str
    x: np.ndarray
    y: np.ndarray
    colour: str
    width: float = 1.5
    dots: bool = False  # a dot per point, with its value on hover
    tip: str = "{y}"  # the hover text of a dot: a format string over x and y


@dataclass(frozen=True)
class Marker:
    """A dashed vertical line at x with a label at its top, e.g. where the learning rate changed."""

    x: float
    label: str


@dataclass(frozen=True)
class Axis:
    title: str
    low: float
    high: float
    log: bool = False
    percent: bool = False

    def position(self, values: np.ndarray, start: float, end: float) -> np.ndarray:
        """Values to pixels between start (low) and end (high); values outside go past them."""
        low, high, v = self.low, self.high, np.asarray(values, dtype=float)
        if self.log:
            low, high, v = math.log10(low), math.log10(high), np.log10(np.maximum(v, self.low))
        fraction = (v - low) / ((high - low) or 1.0)
        return start + fraction * (end - start)

    def ticks(self) -> list[float]:
        if self.log:
            return [10.0**e for e in range(math.floor(math.log10(self.low)), math.ceil(math.log10(self.high)) + 1)]
        step = _nice_step((self.high - self.low) / 5)
        return list(np.arange(math.ceil(self.low / step) * step, self.high + step * 1e-6, step))  # none past high

    def label(self, value: float) -> str:
        if self.percent:
            return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 1e-6 else f"{value:.1%}"
        return f"{value:g}" if self.log else f"{value:,.0f}" if abs(value) >= 10 else f"{value:g}"


def _nice_step(rough: float) -> float:
    """The 1, 2 or 5 times a power of ten nearest above `rough`."""
    power = 10.0 ** math.floor(math.log10(rough or 1.0))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def line_chart(title: str, lines: list[Line], x: Axis, y: Axis, markers: list[Marker] = ()) -> str:
    """An SVG line chart: title and legend on top, gridlines at the y ticks, axis titles, and any
    markers behind the lines."""
    legend, rows = _legend(lines)
    top, height = TOP + LEGEND_ROW * (rows - 1), HEIGHT + LEGEND_ROW * (rows - 1)  # a taller chart, same plot
    parts = [f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{escape(title)}" '
             f'style="font-family: inherit; font-size: 12px" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{LEFT}" y="18" font-size="15" font-weight="600" {TITLE}>{escape(title)}</text>']
    parts += legend
    parts += _axes(x, y, top, height)
    clip = "plot-" + "".join(c for c in title.lower() if c.isalnum())  # ids are page-wide: one per chart
    parts.append(f'<clipPath id="{clip}"><rect x="{LEFT}" y="{top - 5}" width="{WIDTH - RIGHT - LEFT}" '
                 f'height="{height - BOTTOM - top + 5}"/></clipPath><g clip-path="url(#{clip})">')
    parts += [_marker(m, x, top, height) for m in markers]
    for line in lines:
        parts += _line(line, x, y, top, height)
    parts.append("</g></svg>")
    return "".join(parts)


def _legend(lines: list[Line]) -> tuple[list[str], int]:
    """The legend's marks, in as many rows as the names need, and the number of rows."""
    parts, left, row = [], LEFT, 0
    for line in lines:
        width = 35 + 6.5 * len(line.name)
        if left > LEFT and left + width > WIDTH - RIGHT + 25:  # the last name may end in the right margin
            left, row = LEFT, row + 1
        y = 36 + LEGEND_ROW * row
        parts.append(f'<line x1="{left}" x2="{left + 18}" y1="{y}" y2="{y}" stroke="{line.colour}" stroke-width="3"/>'
                     f'<text x="{left + 23}" y="{y + 4}" {TEXT}>{escape(line.name)}</text>')
        left += width
    return parts, row + 1


def _axes(x: Axis, y: Axis, top: float, height: float) -> list[str]:
    bottom, right = height - BOTTOM, WIDTH - RIGHT
    parts = [f'<line x1="{LEFT}" x2="{right}" y1="{bottom}" y2="{bottom}" {AXIS}/>']
    for value, py in zip(y.ticks(), y.position(y.ticks(), bottom, top)):
        parts.append(f'<line x1="{LEFT}" x2="{right}" y1="{py:.1f}" y2="{py:.1f}" {GRID}/>'
                     f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end" {TEXT}>{y.label(value)}</text>')
    for value, px in zip(x.ticks(), x.position(x.ticks(), LEFT, right)):
        parts.append(f'<text x="{px:.1f}" y="{bottom + 16}" text-anchor="middle" {TEXT}>{x.label(value)}</text>')
    parts.append(f'<text x="{(LEFT + right) / 2}" y="{height - 4}" text-anchor="middle" {TEXT}>'
                 f'{escape(x.title)}</text>')
    parts.append(f'<text transform="translate(14 {(top + bottom) / 2}) rotate(-90)" text-anchor="middle" '
                 f'{TEXT}>{escape(y.title)}</text>')
    return parts


def _marker(marker: Marker, x: Axis, top: float, height: float) -> str:
    px = x.position(np.array([marker.x]), LEFT, WIDTH - RIGHT)[0]
    return (f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{top}" y2="{height - BOTTOM}" {AXIS} stroke-dasharray="4 3"/>'
            f'<text x="{px + 4:.1f}" y="{top + 10}" {TEXT}>{escape(marker.label)}</text>')


def _line(line: Line, x: Axis, y: Axis, top: float, height: float) -> list[str]:
    stride = max(1, len(line.x) // MAX_POINTS)
    xs, ys = np.asarray(line.x[::stride], dtype=float), np.asarray(line.y[::stride], dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys) & (ys > 0 if y.log else True)  # a log axis has no place for 0
    xs, ys = xs[keep], ys[keep]
    px, py = x.position(xs, LEFT, WIDTH - RIGHT), y.position(ys, height - BOTTOM, top)
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py))
    parts = [f'<polyline points="{points}" fill="none" stroke="{line.colour}" stroke-width="{line.width}" '
             f'stroke-linejoin="round"/>']
    if line.dots:
        parts += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="{line.colour}">'
                  f'<title>{escape(line.tip.format(x=vx, y=vy))}</title></circle>'
                  for a, b, vx, vy in zip(px, py, xs, ys)]
    return parts
