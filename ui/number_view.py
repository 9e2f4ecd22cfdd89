"""A whole number: a wide canvas, the number read, each digit boxed on the drawing and as the model saw it."""
from __future__ import annotations

from html import escape

import numpy as np
import streamlit as st

import cnn
from cnn.numbers import MAX_DIGITS, Reading
from cnn.preprocess import ink_coverage
from ui import pictures, prediction_view, viz
from ui.charts import ACCENT
from ui.layout import PHONE

WIDTH = 700  # px: the number canvas, as high as Draw's: room for 8 digits of about its stroke
SHOWN_HEIGHT = 300  # px at most for the boxed number: one digit alone is not blown up to a page
DOUBT = "#f0a020"  # a box the reader is not sure of
DIGIT_SCALE = 3  # each digit's 28x28 shown at 84 px: eight fit a phone's width in two rows


# Zoom the wide canvas out where the page is narrower than it: a phone (under 640 px) gets it at 336 px,
# which fits even a 375 px screen. The canvas lives in a shadow root, beyond the page's CSS; zoom on its
# element container (st-key-<key>) reaches inside, and fabric.js maps touches through the zoom
# (tests/test_phone.py draws on it by touch).
ZOOM = ("<style>@media (max-width: 760px) { .st-key-number_canvas { zoom: 0.8; } } "
        f"@media {PHONE} {{ .st-key-number_canvas {{ zoom: 0.48; }} }}</style>")


def number(model: cnn.Net | None, brush: int) -> None:
    """The wide canvas and, once something is written, what the model reads there."""
    st.html(ZOOM)
    image = prediction_view.canvas("number_canvas", WIDTH, brush, kept="number_image")  # (280, 700, 4) RGBA
    if model is None:
        return
    try:
        reading = cnn.read_number(image, model) if image is not None else None
    except cnn.EmptyDrawingError:
        reading = None
    if reading is None:
        st.info(f"Write a number of 1 to {MAX_DIGITS} digits side by side, as on paper: each digit is found, "
                "boxed and read by the model.")
        return
    show_reading(ink_coverage(image), reading)


def show_reading(ink: np.ndarray, reading: Reading) -> None:
    """The number, its doubts, the (H, W) ink with each digit boxed, and each digit as the model saw it."""
    st.markdown(f"#### Number: {reading.text}")
    doubts = [f"the {_ordinal(i)} digit ({reading.digits[i]}): {why}" for i, why in enumerate(reading.why) if why]
    if doubts:
        st.warning("**Not sure** about " + "; ".join(doubts) + ".")
    if reading.too_many:
        st.caption(f"{len(reading.digits)} digits: all are read, though the canvas is meant for up to {MAX_DIGITS}.")
    st.markdown(boxes_svg(ink, reading), unsafe_allow_html=True)
    st.markdown(digits_row(reading), unsafe_allow_html=True)


def boxes_svg(ink: np.ndarray, reading: Reading) -> str:
    """The (H, W) ink around the number, up to WIDTH x SHOWN_HEIGHT px (less on a narrow screen), with a box
    around each digit labelled with its answer and confidence (orange and dashed where the reader is not sure).
    Cropped to the number, so a small number on a big photo is shown as large as one across the canvas."""
    top, left, bottom, right = _around(reading.boxes, ink.shape)
    shown = min(WIDTH, round((right - left) * SHOWN_HEIGHT / (bottom - top)))  # px wide on the page
    unit = (right - left) / shown  # ink pixels per screen pixel: labels and lines keep their screen size
    marks = [_box_mark(box, f"{digit} · {probs[digit]:.0%}", why is not None, unit)
             for box, digit, probs, why in zip(reading.boxes, reading.digits, reading.probs, reading.why)]
    picture = pictures.png_data_url(viz.grey_rgb(ink[top:bottom, left:right]))
    return (f'<svg viewBox="{left} {top} {right - left} {bottom - top}" width="{shown}" role="img" '
            f'aria-label="the number, each digit boxed" style="max-width: 100%; height: auto; display: block">'
            f'<image href="{picture}" x="{left}" y="{top}" width="{right - left}" height="{bottom - top}"/>'
            f'{"".join(marks)}</svg>')


def _box_mark(box: tuple[int, int, int, int], label: str, doubted: bool, unit: float) -> str:
    """An SVG box around (top, left, bottom, right) with `label` above it; sizes in screen px times `unit`."""
    top, left, bottom, right = box
    colour, dash = (DOUBT, f' stroke-dasharray="{8 * unit:.1f} {5 * unit:.1f}"') if doubted else (ACCENT, "")
    pad = 4 * unit
    return (f'<rect x="{left - pad:.1f}" y="{top - pad:.1f}" width="{right - left + 2 * pad:.1f}" '
            f'height="{bottom - top + 2 * pad:.1f}" fill="none" stroke="{colour}" stroke-width="{3 * unit:.1f}" '
            f'rx="{pad:.1f}"{dash}/><text x="{left - pad:.1f}" y="{top - 3 * pad:.1f}" fill="{colour}" '
            f'font-size="{15 * unit:.1f}" font-weight="600">{escape(label + (" ?" if doubted else ""))}</text>')


def _around(boxes: list[tuple[int, int, int, int]], shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) around all the boxes with room for their labels: a margin of a third of
    the tallest digit (half of it above, for the labels), within the picture."""
    margin = max(b - t for t, _, b, _ in boxes) // 3
    return (max(min(t for t, *_ in boxes) - margin * 3 // 2, 0), max(min(b[1] for b in boxes) - margin, 0),
            min(max(b[2] for b in boxes) + margin, shape[0]), min(max(b[3] for b in boxes) + margin, shape[1]))


def digits_row(reading: Reading) -> str:
    """Each digit's 28x28 as the model saw it, with its answer: a row that wraps on a narrow screen."""
    figures = []
    for image, digit, probs, why in zip(reading.images, reading.digits, reading.probs, reading.why):
        note = " · not sure" if why else ""
        figures.append(f'<figure style="margin: 0; text-align: center">'
                       f'<img src="{pictures.png_data_url(viz.pixel_grid(image, scale=DIGIT_SCALE))}" '
                       f'alt="a {digit} as the model saw it" width="{28 * DIGIT_SCALE}" '
                       f'style="image-rendering: pixelated; display: block">'
                       f'<figcaption style="font-size: 14px">{digit} ({probs[digit]:.0%}){note}</figcaption></figure>')
    return f'<div style="display: flex; flex-wrap: wrap; gap: 12px; margin-top: 8px">{"".join(figures)}</div>'


def _ordinal(i: int) -> str:
    return ["1st", "2nd", "3rd"][i] if i < 3 else f"{i + 1}th"
