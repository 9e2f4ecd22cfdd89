"""Altair charts built from plain lists: rebuilt from a snapshot on every refresh."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

MAX_POINTS = 1500  # a 20,000-step run is thinned to this many points per line
ACCENT = "#ff4b4b"
MUTED = "#8a8fa3"


def smooth(values: list[float], weight: float = 0.95) -> np.ndarray:
    """Exponential moving average, debiased like TensorBoard's, so early steps are not pulled to 0."""
    out = np.empty(len(values))
    avg = 0.0
    for i, v in enumerate(values):
        avg = weight * avg + (1 - weight) * v
        out[i] = avg / (1 - weight ** (i + 1))
    return out


def _thin(frame: pd.DataFrame) -> pd.DataFrame:
    step = max(1, len(frame) // MAX_POINTS)
    return frame.iloc[::step]


def loss_chart(losses: list[float]) -> alt.Chart:
    steps = np.arange(1, len(losses) + 1)
    frame = _thin(pd.DataFrame({"step": steps, "every step": losses, "smoothed": smooth(losses)}))
    long = frame.melt("step", var_name="series", value_name="loss")
    return (
        alt.Chart(long, title="Training loss")
        .mark_line()
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log"), title="cross-entropy (log scale)"),
            color=alt.Color("series:N", scale=alt.Scale(domain=["every step", "smoothed"], range=["#c9cbd6", ACCENT]),
                            legend=alt.Legend(orient="top", title=None)),
            strokeWidth=alt.condition(alt.datum.series == "smoothed", alt.value(2.5), alt.value(1)),
        )
        .properties(height=260)
    )


def accuracy_chart(train_accs: list[float], evals: list[tuple[int, float, float, bool]]) -> alt.Chart:
    steps = np.arange(1, len(train_accs) + 1)
    train = _thin(pd.DataFrame({"step": steps, "accuracy": smooth(train_accs), "series": "training (smoothed)"}))
    test = pd.DataFrame(
        [(s, acc, "test (all 10,000)" if full else "test (subset)") for s, acc, _, full in evals],
        columns=["step", "accuracy", "series"],
    )
    colour = alt.Color("series:N", scale=alt.Scale(
        domain=["training (smoothed)", "test (subset)", "test (all 10,000)"], range=[MUTED, "#1f77b4", ACCENT]),
        legend=alt.Legend(orient="top", title=None))
    y = alt.Y("accuracy:Q", scale=alt.Scale(domain=[max(0.0, _floor(train_accs, evals)), 1.0]), axis=alt.Axis(format="%"))
    line = alt.Chart(train).mark_line().encode(x="step:Q", y=y, color=colour)
    if test.empty:
        return line.properties(title="Accuracy", height=260)
    points = alt.Chart(test).mark_line(point=alt.OverlayMarkDef(size=60, filled=True)).encode(
        x="step:Q", y=y, color=colour, tooltip=["step:Q", alt.Tooltip("accuracy:Q", format=".2%"), "series:N"])
    return alt.layer(line, points, title="Accuracy").properties(height=260)


def _floor(train_accs, evals) -> float:
    """The y-axis bottom: low enough for the early curve, rounded down to a tenth."""
    seen = list(smooth(train_accs)[len(train_accs) // 10:]) + [acc for _, acc, _, _ in evals]
    return np.floor(min(seen, default=0.0) * 10) / 10


def probability_chart(probs: np.ndarray) -> alt.Chart:
    winner = int(np.argmax(probs))
    frame = pd.DataFrame({"digit": [str(d) for d in range(10)], "probability": probs,
                          "winner": [d == winner for d in range(10)]})
    bars = alt.Chart(frame).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("digit:N", sort=None, title=None, axis=alt.Axis(labelFontSize=16)),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title=None),
        color=alt.condition(alt.datum.winner, alt.value(ACCENT), alt.value("#c9cbd6")),
        tooltip=["digit", alt.Tooltip("probability:Q", format=".2%")],
    )
    labels = bars.mark_text(align="left", dx=4, fontSize=13).encode(
        text=alt.Text("probability:Q", format=".1%"), color=alt.value("#555"))
    return (bars + labels).properties(height=300)
