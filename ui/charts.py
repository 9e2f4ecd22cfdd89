"""The app's charts: training curves as inline SVG (see ui/svg.py), probabilities as Vega-Lite."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ui.svg import Axis, Line, line_chart

ACCENT = "#ff4b4b"
MUTED = "#8a8fa3"
LIGHT = "#c9cbd6"
BLUE = "#1f77b4"


def smooth(values: list[float], weight: float = 0.95) -> np.ndarray:
    """Exponential moving average, debiased like TensorBoard's so early steps are not pulled
    towards 0 (pandas' ewm with adjust=True is exactly that)."""
    return pd.Series(values, dtype=float).ewm(alpha=1 - weight, adjust=True).mean().to_numpy()


def _step_axis(n: int) -> Axis:
    return Axis("step", 0, max(n, 1))


def loss_chart(losses: list[float]) -> str:
    """The loss at every step and smoothed, on a log scale (SVG)."""
    steps, raw = np.arange(1, len(losses) + 1), np.asarray(losses, dtype=float)
    finite = raw[np.isfinite(raw) & (raw > 0)]
    low, high = (finite.min(), finite.max()) if len(finite) else (0.1, 1.0)
    y = Axis("cross-entropy (log scale)", 10.0 ** np.floor(np.log10(low)), 10.0 ** np.ceil(np.log10(high)), log=True)
    return line_chart("Training loss", [Line("every step", steps, raw, LIGHT, 1),
                                        Line("smoothed", steps, smooth(losses), ACCENT, 2.5)],
                      _step_axis(len(losses)), y)


def accuracy_chart(train_accs: list[float], evals: list[tuple[int, float, float, bool]]) -> str:
    """Smoothed training accuracy, and test accuracy at each evaluation (SVG, hover a dot)."""
    steps = np.arange(1, len(train_accs) + 1)
    lines = [Line("training (smoothed)", steps, smooth(train_accs), MUTED, 2)]
    for full, name, colour in ((False, "test (subset)", BLUE), (True, "test (all 10,000)", ACCENT)):
        points = [(s, acc) for s, acc, _, is_full in evals if is_full == full]
        if points:
            x, y = np.array(points).T
            lines.append(Line(name, x, y, colour, 2, dots=True, tip=name + ", step {x:,.0f}: {y:.2%}"))
    y = Axis("accuracy", _floor(train_accs, evals), 1.0, percent=True)
    return line_chart("Accuracy", lines, _step_axis(len(train_accs)), y)


def _floor(train_accs, evals) -> float:
    """The y-axis bottom: low enough for all but the first tenth of the curve, in tenths."""
    seen = list(smooth(train_accs)[len(train_accs) // 10:]) + [acc for _, acc, _, _ in evals]
    return min(0.9, max(0.0, float(np.floor(min(seen, default=0.0) * 10) / 10)))


def probability_chart(probs: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """(data, spec): one bar per digit, the winner highlighted, each labelled with its %."""
    winner = int(np.argmax(probs))
    data = pd.DataFrame({"digit": [str(d) for d in range(10)], "probability": probs.astype(float),
                         "winner": [d == winner for d in range(10)]})
    y = {"field": "digit", "type": "nominal", "sort": None, "title": None, "axis": {"labelFontSize": 16}}
    x = {"field": "probability", "type": "quantitative", "scale": {"domain": [0, 1]}, "axis": {"format": "%"},
         "title": None}
    spec = {
        "height": 300,
        "layer": [
            {"mark": {"type": "bar", "cornerRadiusEnd": 3},
             "encoding": {"y": y, "x": x,
                          "color": {"condition": {"test": "datum.winner", "value": ACCENT}, "value": LIGHT},
                          "tooltip": [{"field": "digit"}, {"field": "probability", "format": ".2%"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 13, "color": "#555"},
             "encoding": {"y": y, "x": x, "text": {"field": "probability", "format": ".1%"}}},
        ],
    }
    return data, spec


CELL = "cell"  # the confusion chart's selection parameter: the chosen (true, predicted) cell


def confusion_chart(confusion: np.ndarray, chosen: tuple[int, int] | None) -> tuple[pd.DataFrame, dict]:
    """(data, spec): a 10x10 heatmap, true digit down, predicted across. Mistakes are shaded by
    count (the diagonal's thousands would wash them out, so it stays grey), every cell has
    a tooltip, a click selects a cell (selection parameter CELL), the chosen one is outlined."""
    true, predicted = np.indices(confusion.shape)
    totals = confusion.sum(1, keepdims=True)
    data = pd.DataFrame({
        "true": true.ravel(), "predicted": predicted.ravel(), "count": confusion.ravel(),
        "share": (confusion / np.maximum(totals, 1)).ravel(),
        "mistakes": np.where(true == predicted, 0, confusion).ravel(),  # not NaN: Vega-Lite would drop the cell
        "label": [str(c) if c else "" for c in confusion.ravel()],
        "chosen": [(t, p) == chosen for t, p in zip(true.ravel(), predicted.ravel())],
    })
    axis = {"labelFontSize": 14, "labelAngle": 0, "titleFontSize": 13, "titleFontWeight": "normal"}
    y = {"field": "true", "type": "ordinal", "title": "true digit", "axis": axis}
    x = {"field": "predicted", "type": "ordinal", "title": "predicted digit", "axis": {**axis, "orient": "top"}}
    tooltip = [{"field": "true", "title": "true digit"}, {"field": "predicted", "title": "predicted as"},
               {"field": "count", "title": "test images"},
               {"field": "share", "title": "of that digit", "format": ".2%"}]
    fill = {"condition": [{"test": "datum.true === datum.predicted", "value": "#dfe4ee"},
                          {"test": "datum.count === 0", "value": "#fbfbfd"}],
            "field": "mistakes", "type": "quantitative", "title": "mistakes",
            "scale": {"type": "sqrt", "scheme": "reds", "domainMin": 0}}
    spec = {
        "width": 420, "height": 420,
        "layer": [
            {"params": [{"name": CELL, "select": {"type": "point", "fields": ["true", "predicted"]}}],
             "mark": {"type": "rect", "cursor": "pointer"},
             "encoding": {"x": x, "y": y, "color": fill, "tooltip": tooltip,
                          "stroke": {"condition": {"test": "datum.chosen", "value": "#31333f"}, "value": "white"},
                          "strokeWidth": {"condition": {"test": "datum.chosen", "value": 3}, "value": 1}}},
            {"mark": {"type": "text", "fontSize": 12},  # clicks go through it: ui/layout.click_through_labels
             "encoding": {"x": x, "y": y, "text": {"field": "label"}, "tooltip": tooltip,
                          "color": {"condition": {"test": "datum.mistakes > 5", "value": "white"},
                                    "value": "#31333f"}}},
        ],
    }
    return data, spec
