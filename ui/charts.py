"""Charts as plain Vega-Lite specs over small DataFrames, rebuilt from a snapshot on every refresh.

The Train page redraws its charts every second while a run trains, on the same CPU cores
as the training, so they are kept cheap: hand-written specs (no Altair validation) and at
most MAX_POINTS points a line.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MAX_POINTS = 120  # longer curves are thinned to about this many points per line
ACCENT = "#ff4b4b"
MUTED = "#8a8fa3"
LIGHT = "#c9cbd6"


def smooth(values: list[float], weight: float = 0.95) -> np.ndarray:
    """Exponential moving average, debiased like TensorBoard's so early steps are not pulled
    towards 0 (pandas' ewm with adjust=True is exactly that)."""
    return pd.Series(values, dtype=float).ewm(alpha=1 - weight, adjust=True).mean().to_numpy()


def _thin(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:: max(1, len(frame) // MAX_POINTS)]


def _colour(domain: list[str], colours: list[str]) -> dict:
    return {"field": "series", "type": "nominal", "scale": {"domain": domain, "range": colours},
            "legend": {"orient": "top", "title": None}}


def loss_chart(losses: list[float]) -> tuple[pd.DataFrame, dict]:
    """(data, spec): the loss at every step and smoothed, on a log scale."""
    steps = np.arange(1, len(losses) + 1)
    wide = _thin(pd.DataFrame({"step": steps, "every step": losses, "smoothed": smooth(losses)}))
    data = wide.melt("step", var_name="series", value_name="loss")
    spec = {
        "title": "Training loss", "height": 260,
        "mark": {"type": "line", "clip": True},
        "encoding": {
            "x": {"field": "step", "type": "quantitative", "title": "step"},
            "y": {"field": "loss", "type": "quantitative", "scale": {"type": "log"},
                  "title": "cross-entropy (log scale)"},
            "color": _colour(["every step", "smoothed"], [LIGHT, ACCENT]),
            "strokeWidth": {"condition": {"test": "datum.series == 'smoothed'", "value": 2.5}, "value": 1},
        },
    }
    return data, spec


def accuracy_chart(train_accs: list[float], evals: list[tuple[int, float, float, bool]]) -> tuple[pd.DataFrame, dict]:
    """(data, spec): smoothed training accuracy, and test accuracy at each evaluation."""
    steps = np.arange(1, len(train_accs) + 1)
    train = _thin(pd.DataFrame({"step": steps, "accuracy": smooth(train_accs), "series": "training (smoothed)"}))
    test = pd.DataFrame([(s, acc, "test (all 10,000)" if full else "test (subset)") for s, acc, _, full in evals],
                        columns=["step", "accuracy", "series"])
    data = pd.concat([train, test], ignore_index=True)
    training = "datum.series == 'training (smoothed)'"
    spec = {
        "title": "Accuracy", "height": 260,
        "encoding": {
            "x": {"field": "step", "type": "quantitative", "title": "step"},
            "y": {"field": "accuracy", "type": "quantitative", "title": "accuracy",
                  "scale": {"domain": [_floor(train_accs, evals), 1.0]}, "axis": {"format": ".0%"}},
            "color": _colour(["training (smoothed)", "test (subset)", "test (all 10,000)"], [MUTED, "#1f77b4", ACCENT]),
        },
        "layer": [  # a line for training; lines with a dot per evaluation for the test series
            {"transform": [{"filter": training}], "mark": {"type": "line", "clip": True}},
            {"transform": [{"filter": f"!({training})"}],
             "mark": {"type": "line", "clip": True, "point": {"filled": True, "size": 50}},
             "encoding": {"tooltip": [{"field": "step", "type": "quantitative"},
                                      {"field": "accuracy", "type": "quantitative", "format": ".2%"},
                                      {"field": "series", "type": "nominal"}]}},
        ],
    }
    return data, spec


def _floor(train_accs, evals) -> float:
    """The y-axis bottom: low enough for all but the first tenth of the curve, in tenths."""
    seen = list(smooth(train_accs)[len(train_accs) // 10:]) + [acc for _, acc, _, _ in evals]
    return max(0.0, float(np.floor(min(seen, default=0.0) * 10) / 10))


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
