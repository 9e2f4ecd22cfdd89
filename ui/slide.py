"""The kernel sliding over its input and filling a feature map in, as an SVG the browser animates.

The animation is CSS only: the server sends one small SVG and the browser plays it, however
fast, without a rerun per frame. Two step animations move the window: one across a row (it
repeats once a row), one down the rows (once). The map on the right is covered, except for the
rows done and the current row up to the window; the covers ride the same two animations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ui.pictures import png_data_url

SIDE = 252  # px of each panel's picture: 28 cells of 9 px, 14 of 18, 7 of 36
GAP = 24  # px between the panels
WINDOW, CURRENT, COVER = "#ff4b4b", "#ffd21f", "rgb(128, 132, 149)"  # COVER: values not computed yet


@dataclass(frozen=True)
class Slide:
    source: np.ndarray  # (n, n, 3) uint8: the input the kernel reads (one channel of it)
    result: np.ndarray  # (n, n, 3) uint8: the map it makes, same size ("same" padding, stride 1)
    kernel: int  # the kernel's side, odd
    per_second: float  # positions computed a second
    nonce: int = 0  # a new number replays the animation: the browser meets a new element


def slide_svg(slide: Slide) -> str:
    n, pad = len(slide.result), slide.kernel // 2
    cell = SIDE / n
    source_side = SIDE + 2 * pad * cell  # the input with its padding ring
    row_time = n / slide.per_second
    name = f"slide{slide.nonce}"
    rows = f"{name}-rows {row_time * n:.3f}s steps({n}, jump-none) forwards"
    cols = f"{name}-cols {row_time:.3f}s steps({n}, jump-none) {n} forwards"
    end = (n - 1) * cell
    style = (f"#{name} .rows {{ animation: {rows}; }} #{name} .cols {{ animation: {cols}; }} "
             f"@keyframes {name}-rows {{ to {{ transform: translateY({end:.2f}px); }} }} "
             f"@keyframes {name}-cols {{ to {{ transform: translateX({end:.2f}px); }} }}")
    width, height = source_side + GAP + SIDE, source_side
    top = pad * cell  # the map sits level with the input, not its padding
    return (
        f'<svg id="{name}" viewBox="0 0 {width:.1f} {height:.1f}" width="{width:.0f}" role="img" '
        f'aria-label="the kernel sliding over the input" style="max-width: 100%; height: auto">'
        f"<style>{style}</style>"
        f'<rect x="0" y="0" width="{source_side:.1f}" height="{source_side:.1f}" fill="none" '
        f'stroke="currentColor" stroke-opacity="0.35" stroke-dasharray="4 3"/>'  # the padding's edge
        f"{_image(slide.source, top, top)}"
        f'<g class="rows"><g class="cols"><rect x="1" y="1" width="{slide.kernel * cell - 2:.1f}" '
        f'height="{slide.kernel * cell - 2:.1f}" fill="none" stroke="{WINDOW}" stroke-width="2.5"/></g></g>'
        f'<svg x="{source_side + GAP:.1f}" y="{top:.1f}" width="{SIDE}" height="{SIDE}">'  # clips its covers
        f"{_image(slide.result, 0, 0)}"
        f'<g class="rows"><rect x="0" y="{cell:.2f}" width="{SIDE}" height="{SIDE}" fill="{COVER}"/>'
        f'<g class="cols"><rect x="{cell:.2f}" y="0" width="{SIDE}" height="{cell:.2f}" fill="{COVER}"/>'
        f'<rect x="0" y="0" width="{cell:.2f}" height="{cell:.2f}" fill="none" stroke="{CURRENT}" '
        f'stroke-width="2"/></g></g></svg></svg>')


def _image(rgb: np.ndarray, x: float, y: float) -> str:
    return (f'<image href="{png_data_url(rgb)}" x="{x:.2f}" y="{y:.2f}" width="{SIDE}" height="{SIDE}" '
            f'style="image-rendering: pixelated"/>')
