"""The app's charts: training curves as inline SVG (see ui/svg.py), probabilities and the
confusion matrix as Vega-Lite specs that Altair builds once per process.

Every colour reads on Streamlit's light and dark themes alike, chosen in the browser rather than
here (the server learns the theme late: st.context.theme can be wrong on a session's first run).
Text and outlines are currentColor, the page's own text colour; greys are translucent, so they
show light on a light page and dark on a dark one.
"""
from __future__ import annotations

import copy
import functools

import altair as alt
import numpy as np
import pandas as pd

from cnn.record import HIST_BINS, Eval, LayerStats
from ui.svg import Axis, Line, Marker, line_chart

ACCENT = "#ff4b4b"
MUTED = "#8a8fa3"
LIGHT = "rgba(128, 132, 149, 0.45)"  # secondary lines and bars
BLUE = "#1f77b4"
INK = "currentColor"  # the page's text colour: dark on the light theme, light on the dark one
DARK_INK = "#31333f"  # numbers on the palest reds, which are pale in either theme
DIAGONAL = "rgba(128, 132, 149, 0.25)"  # right answers: grey, so the mistakes stand out
EMPTY = "rgba(128, 132, 149, 0.04)"  # no test image: barely off the background
# On the sqrt scale a third of the most mistakes is 58% of the way to the darkest red, where white
# numbers begin to read better than dark ones (both about 3.5:1).
DARK_RED = 1 / 3
# One colour per weighted layer, in order (conv1, conv2, conv3, fc1, logits): readable on both themes.
LAYER_COLOURS = ("#ff4b4b", "#3d9df3", "#21c354", "#ffa421", "#a26bf7")
GAP = 0.04  # between heatmap cells, as a share of a cell: the background shows through


def smooth(values: list[float], weight: float = 0.95) -> np.ndarray:
    """Exponential moving average, debiased like TensorBoard's so early steps are not pulled
    towards 0 (pandas' ewm with adjust=True is exactly that)."""
    return pd.Series(values, dtype=float).ewm(alpha=1 - weight, adjust=True).mean().to_numpy()


def _step_axis(n: int) -> Axis:
    return Axis("step", 0, max(n, 1))


def loss_chart(losses: list[float], lr_changes: list[tuple[int, float]] = ()) -> str:
    """The loss at every step and smoothed, on a log scale (SVG), with a mark wherever the learning
    rate was changed during the run."""
    steps, raw = np.arange(1, len(losses) + 1), np.asarray(losses, dtype=float)
    finite = raw[np.isfinite(raw) & (raw > 0)]
    low, high = (finite.min(), finite.max()) if len(finite) else (0.1, 1.0)
    y = Axis("cross-entropy (log scale)", 10.0 ** np.floor(np.log10(low)), 10.0 ** np.ceil(np.log10(high)), log=True)
    return line_chart("Training loss", [Line("every step", steps, raw, LIGHT, 1),
                                        Line("smoothed", steps, smooth(losses), ACCENT, 2.5)],
                      _step_axis(len(losses)), y, [Marker(step, f"lr {lr:g}") for step, lr in lr_changes])


def accuracy_chart(train_accs: list[float], evals: list[Eval]) -> str:
    """Smoothed training accuracy, and test accuracy at each evaluation (SVG, hover a dot)."""
    steps = np.arange(1, len(train_accs) + 1)
    lines = [Line("training (smoothed)", steps, smooth(train_accs), MUTED, 2)]
    for full, name, colour in ((False, "test (subset)", BLUE), (True, "test (all 10,000)", ACCENT)):
        points = [(e.step, e.accuracy) for e in evals if e.full == full]
        if points:
            x, y = np.array(points).T
            lines.append(Line(name, x, y, colour, 2, dots=True, tip=name + ", step {x:,.0f}: {y:.2%}"))
    y = Axis("accuracy", _floor(train_accs, evals), 1.0, percent=True)
    return line_chart("Accuracy", lines, _step_axis(len(train_accs)), y)


def _floor(train_accs: list[float], evals: list[Eval]) -> float:
    """The y-axis bottom: low enough for all but the first tenth of the curve, in tenths."""
    seen = list(smooth(train_accs)[len(train_accs) // 10:]) + [e.accuracy for e in evals]
    return min(0.9, max(0.0, float(np.floor(min(seen, default=0.0) * 10) / 10)))


def probability_chart(probs: np.ndarray) -> dict:
    """One bar per digit, the winner highlighted, each labelled with its %: a Vega-Lite spec for
    st.vega_lite_chart."""
    winner = int(np.argmax(probs))
    rows = [{"digit": str(d), "probability": float(p), "winner": d == winner} for d, p in enumerate(probs)]
    return filled(_probability_bars, rows)


def filled(build, rows: list[dict], **top) -> dict:
    """The Vega-Lite spec of build(data) with these rows for its data and `top` for top-level
    properties (a title, a width). Altair builds and validates each chart once per process: done on
    every rerun, that was 44% of a Draw rerun's time and 64% of Evaluate's (bench/bench_reruns.py).
    A copy, as Streamlit may change the spec it is given."""
    return {**copy.deepcopy(_built(build)), "data": {"values": rows}, **top}


@functools.cache
def _built(build) -> dict:
    spec = build(alt.NamedData(name=build.__name__)).to_dict()  # data named, to be filled in
    spec.pop("config", None)  # Altair's default theme's view size, which st.altair_chart leaves out too
    return spec


def _probability_bars(data) -> alt.LayerChart:
    base = alt.Chart(data).encode(
        # every digit named, each beside its bar (Vega would drop some and move the first at this height)
        y=alt.Y("digit:N", sort=None, title=None,
                axis=alt.Axis(labelFontSize=16, labelOverlap=False, labelFlush=False)),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title=None))
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.when("datum.winner").then(alt.value(ACCENT)).otherwise(alt.value(LIGHT)),
        tooltip=[alt.Tooltip("digit:N"), alt.Tooltip("probability:Q", format=".2%")])
    labels = base.mark_text(align="left", dx=4, fontSize=13, color=INK, opacity=0.8).encode(
        text=alt.Text("probability:Q", format=".1%"))
    return (bars + labels).properties(height=220)  # with a 280 px canvas, fits an iPhone 13 (664 px) screen


CELL = "cell"  # the confusion chart's selection parameter: the chosen (true, predicted) cell


def confusion_chart(confusion: np.ndarray, chosen: tuple[int, int] | None) -> dict:
    """A 10x10 heatmap, true digit down, predicted across: a Vega-Lite spec for st.vega_lite_chart.
    Mistakes are shaded by count (the diagonal's thousands would wash them out, so it stays grey),
    every cell has a tooltip, a click selects a cell (selection parameter CELL), the chosen one is
    outlined."""
    return filled(_heatmap, _confusion_data(confusion, chosen).to_dict("records"))


def _heatmap(data) -> alt.LayerChart:
    axis = {"labelFontSize": 14, "labelAngle": 0, "titleFontSize": 13, "titleFontWeight": "normal"}
    gap = alt.Scale(paddingInner=GAP)  # the page's background between cells, in either theme
    base = alt.Chart(data).encode(
        x=alt.X("predicted:O", title="predicted digit", scale=gap, axis=alt.Axis(orient="top", **axis)),
        y=alt.Y("true:O", title="true digit", scale=gap, axis=alt.Axis(**axis)),
        tooltip=[alt.Tooltip("true:O", title="true digit"), alt.Tooltip("predicted:O", title="predicted as"),
                 alt.Tooltip("count:Q", title="test images"),
                 alt.Tooltip("share:Q", title="of that digit", format=".2%")])
    # Greys for the diagonal and empty cells, given as a list: alt.when cannot chain them onto a field.
    fill = alt.Color("mistakes:Q", title="mistakes", scale=alt.Scale(type="sqrt", scheme="reds", domainMin=0),
                     condition=[{"test": "datum.true === datum.predicted", "value": DIAGONAL},
                                {"test": "datum.count === 0", "value": EMPTY}])
    cells = base.mark_rect(cursor="pointer", stroke=INK).encode(
        color=fill, strokeWidth=alt.when("datum.chosen").then(alt.value(3)).otherwise(alt.value(0)),
    ).add_params(alt.selection_point(name=CELL, fields=["true", "predicted"]))
    numbers = base.mark_text(fontSize=12).encode(  # clicks go through: ui/layout.click_through_labels
        text="label:N",
        color=alt.when("datum.dark").then(alt.value("white"))
        .when("datum.mistakes > 0").then(alt.value(DARK_INK)).otherwise(alt.value(INK)))
    return (cells + numbers).properties(width=420, height=420)


def _confusion_data(confusion: np.ndarray, chosen: tuple[int, int] | None) -> pd.DataFrame:
    true, predicted = np.indices(confusion.shape)
    totals = confusion.sum(1, keepdims=True)
    mistakes = np.where(true == predicted, 0, confusion).ravel()  # not NaN: Vega-Lite would drop the cell
    return pd.DataFrame({
        "true": true.ravel(), "predicted": predicted.ravel(), "count": confusion.ravel(),
        "share": (confusion / np.maximum(totals, 1)).ravel(), "mistakes": mistakes,
        "dark": mistakes > mistakes.max() * DARK_RED,  # reds this dark carry white numbers
        "label": [str(c) if c else "" for c in confusion.ravel()],
        "chosen": [(t, p) == chosen for t, p in zip(true.ravel(), predicted.ravel())],
    })


def layer_norm_chart(layers: list[tuple[int, dict[str, LayerStats]]], gradients: bool) -> str:
    """Each layer's gradient norm (or weight norm) at the start and at every evaluation, log scale:
    vanishing gradients sink towards the bottom, exploding ones shoot up (SVG)."""
    field, title = ("grad_norm", "Gradient norm") if gradients else ("weight_norm", "Weight norm")
    names = list(layers[0][1])
    series = {n: [(step, getattr(stats[n], field)) for step, stats in layers if getattr(stats[n], field) > 0]
              for n in names}
    values = [v for points in series.values() for _, v in points] or [1.0]
    y = Axis(f"{title.lower()} (log scale)", 10.0 ** np.floor(np.log10(min(values))),
             10.0 ** np.ceil(np.log10(max(values))), log=True)
    lines = [Line(n, *np.array(points).T, colour, 2, dots=True, tip=n + ", step {x:,.0f}: {y:.3g}")
             for (n, points), colour in zip(series.items(), LAYER_COLOURS) if points]
    return line_chart(title, lines, _step_axis(max(step for step, _ in layers)), y)


def weight_histogram(name: str, start: LayerStats, now: LayerStats, step: int) -> str:
    """A layer's weights now against at the start: the share of weights in each bin (SVG)."""
    centres = np.linspace(-now.bound, now.bound, HIST_BINS + 1)
    centres = (centres[:-1] + centres[1:]) / 2
    shares = [np.asarray(s.counts, float) / max(sum(s.counts), 1) for s in (start, now)]
    y = Axis("share of weights", 0.0, max(float(max(s.max() for s in shares)), 1e-3), percent=True)
    return line_chart(f"{name} weights", [Line("at the start", centres, shares[0], LIGHT, 2),
                                          Line(f"at step {step:,}", centres, shares[1], ACCENT, 2)],
                      Axis("weight", -now.bound, now.bound), y)
