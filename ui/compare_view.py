"""The Compare runs page: saved runs (and the run in progress) laid side by side: their training loss
and test accuracy on one x axis, one colour per run, and their settings in one table with the
differences marked.

The chosen runs and the axis live in the page's address, so a comparison can be bookmarked or sent:

    /Compare?runs=fast-20261129-101500,tutorial-20261128-220000&x=images
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnn.design import parameter_count
from cnn.model import ModelConfig
from cnn.record import RunRecord
from cnn.runs import read_record
from ui.charts import smooth
from ui.network_view import describe
from ui.state import registry
from ui.svg import Axis, Line, line_chart
from ui.train_view import duration

MIN_RUNS, MAX_RUNS = 2, 6
# One per run, in the order chosen: mid-tones that read on Streamlit's light and dark themes alike.
PALETTE = ("#ff4b4b", "#3d9df3", "#21c354", "#ffa421", "#a26bf7", "#e377c2")
AXES = {"steps": "step", "images": "images seen", "seconds": "training seconds (from images/s)"}
RUNS_KEY, AXIS_KEY = "compare_runs", "compare_x"
APPLIED = "compare_applied"  # session state: set once this session's page has read its address
LIVE = "Run in progress: "
DIFFERS = "◆"  # marks a table row whose values differ between the runs


@dataclass(frozen=True)
class Compared:
    """A chosen run with what the page shows of it."""

    name: str
    record: RunRecord
    network: ModelConfig
    colour: str


def choices() -> dict[str, str]:
    """Run name -> its label in the picker: the run in progress first, then the saved runs, newest first."""
    job = registry().current
    live = job.name if job and job.running else None
    labels = {live: LIVE + live} if live else {}
    return labels | {run.name: run.label for run in registry().runs() if run.name != live}


def pick_runs(options: dict[str, str]) -> list[str]:
    """The runs chosen, 2 to 6, in the order chosen."""
    # A run deleted since it was chosen is no longer an option, and the widget refuses a value it lacks.
    st.session_state[RUNS_KEY] = [n for n in st.session_state.get(RUNS_KEY, []) if n in options]
    return st.multiselect("Runs", list(options), format_func=options.get, max_selections=MAX_RUNS, key=RUNS_KEY,
                          placeholder="Choose 2 to 6 runs",
                          help="Saved runs and the run in progress; each keeps its colour in the charts and table.")


def pick_axis() -> str:
    return st.radio("X axis", list(AXES), format_func=lambda a: "images seen" if a == "images" else a,
                    horizontal=True, key=AXIS_KEY,
                    help="Images seen = steps × batch size: runs with different batch sizes line up by the data "
                         "they used. Seconds are estimated from each run's training speed, evaluations left out.")


def follow_address(options: dict[str, str]) -> None:
    """On the session's first visit, set the widgets to the choice in the address (a link followed, a bookmark)
    before they are drawn; say which runs it names that are not here. Later addresses are the page's own, and a
    browser sends an older one back when a change comes before the page's newer address: it must not undo it."""
    if APPLIED in st.session_state:
        return
    params = _address()
    st.session_state[APPLIED] = True
    wanted = [name for name in params.get("runs", "").split(",") if name]
    unknown = [name for name in wanted if name not in options]
    if unknown:
        st.warning(f"Not among the runs here, so left out: {', '.join(unknown)}.")
    st.session_state[RUNS_KEY] = [name for name in wanted if name in options][:MAX_RUNS]
    st.session_state[AXIS_KEY] = params.get("x") if params.get("x") in AXES else "steps"


def remember(names: list[str], axis: str) -> None:
    """Write the choice into the address (setting query parameters does not rerun the page)."""
    params = {"runs": ",".join(names), "x": axis} if names else {"x": axis}
    if _address() != params:
        st.query_params.from_dict(params)


def _address() -> dict[str, str]:
    return {key: st.query_params[key] for key in ("runs", "x") if key in st.query_params}


def load(names: list[str]) -> list[Compared]:
    """The chosen runs' records, each with its colour; a record that cannot be read is left out, saying so."""
    job, folders = registry().current, {run.name: run.folder for run in registry().runs()}
    runs = []
    for name, colour in zip(names, PALETTE):
        try:
            live = job is not None and job.running and job.name == name
            record = job.snapshot() if live else read_record(folders[name])
            network = ModelConfig.from_dict(record.config.get("network") or {})
        except (OSError, ValueError, TypeError, KeyError) as e:  # KeyError: the run was deleted meanwhile
            st.caption(f"{name} is left out: its record cannot be read ({e}).")
            continue
        runs.append(Compared(name, record, network, colour))
    return runs


def curves(runs: list[Compared], axis: str) -> None:
    """The smoothed training loss and the test accuracy of every run, side by side, on one x axis."""
    scales = {run.name: _per_step(run.record, axis) for run in runs}
    placed = [run for run in runs if scales[run.name] is not None]
    if len(placed) < len(runs):
        missing = ", ".join(run.name for run in runs if scales[run.name] is None)
        st.caption(f"Not in the charts: {missing} (no batch size or speed recorded to place it in {axis}).")
    x = Axis(AXES[axis], 0, max([len(run.record.losses) * scales[run.name] for run in placed] + [1]))
    left, right = st.columns(2)
    left.markdown(_loss_chart(placed, scales, x), unsafe_allow_html=True)
    right.markdown(_accuracy_chart(placed, scales, x), unsafe_allow_html=True)


def _per_step(record: RunRecord, axis: str) -> float | None:
    """How far one step goes along the x axis; None where the record cannot say."""
    batch, speed = record.config.get("batch_size"), record.metrics.images_per_sec
    if axis == "steps":
        return 1.0
    if not batch or (axis == "seconds" and not speed):
        return None
    return float(batch) if axis == "images" else batch / speed


def _loss_chart(runs: list[Compared], scales: dict[str, float], x: Axis) -> str:
    lines = [Line(run.name, np.arange(1, len(run.record.losses) + 1) * scales[run.name], smooth(run.record.losses),
                  run.colour, 2) for run in runs]
    finite = np.concatenate([line.y[np.isfinite(line.y) & (line.y > 0)] for line in lines] + [np.empty(0)])
    low, high = (finite.min(), finite.max()) if len(finite) else (0.1, 1.0)
    y = Axis("smoothed cross-entropy (log scale)", 10.0 ** np.floor(np.log10(low)), 10.0 ** np.ceil(np.log10(high)),
             log=True)
    return line_chart("Training loss", lines, x, y)


def _accuracy_chart(runs: list[Compared], scales: dict[str, float], x: Axis) -> str:
    lines = []
    for run in runs:
        evals = sorted(run.record.evals)
        steps = np.array([e.step for e in evals], dtype=float)
        lines.append(Line(run.name, steps * scales[run.name], np.array([e.accuracy for e in evals]), run.colour, 2,
                          dots=True, tip=f"{run.name}, {x.title} {{x:,.0f}}: {{y:.2%}}"))
    return line_chart("Test accuracy", lines, x, Axis("accuracy at each evaluation", _floor(runs), 1.0, percent=True))


def _floor(runs: list[Compared]) -> float:
    """The y-axis bottom, in tenths: low enough for every evaluation after the first tenth of its run
    (the first ones, far below, would squeeze the differences that matter into a sliver)."""
    seen = [e.accuracy for run in runs for e in run.record.evals if e.step >= len(run.record.losses) / 10]
    return min(0.9, max(0.0, float(np.floor(min(seen, default=0.0) * 10) / 10)))


def settings_table(runs: list[Compared]) -> None:
    """One column per run, one row per setting and result; rows whose values differ are marked."""
    rows = {label: [value(run) for run in runs] for label, value in ROWS.items()}
    header = " | ".join(f'<span style="color: {run.colour}">●</span> {run.name}' for run in runs)
    lines = [f"| | {header} |", "| --- |" + " --- |" * len(runs)]
    for label, values in rows.items():
        differs = len(set(values)) > 1
        cells = [f"**{v}**" if differs else v for v in values]
        lines.append(f"| {f'{DIFFERS} **{label}**' if differs else label} | {' | '.join(cells)} |")
    # In a box of its own that scrolls sideways: six runs' columns are wider than a phone, and would
    # scroll the whole page. (The blank lines let the Markdown table be read as Markdown inside the <div>.)
    st.markdown('<div style="overflow-x: auto">\n\n' + "\n".join(lines) + "\n\n</div>", unsafe_allow_html=True)
    st.caption(f"{DIFFERS} Rows in bold differ between these runs.")


def _setting(name: str, show=str):
    """A row showing a setting from the run's config ("—" where its record does not have it)."""
    return lambda run: show(run.record.config[name]) if name in run.record.config else "—"


def _test_acc(run: Compared) -> str:
    acc = run.record.metrics.test_acc
    return f"{acc:.2%}" if acc is not None else "—"


def _time(run: Compared) -> str:
    seconds = run.record.metrics.seconds  # set once the run has ended
    return duration(seconds) if seconds is not None else "still training" if run.record.status == "running" else "—"


ROWS = {
    "preset": _setting("preset"),
    "optimizer": _setting("optimizer"),
    "learning rate": _setting("lr", lambda lr: f"{lr:g}"),
    "schedule": _setting("schedule"),
    "batch size": _setting("batch_size"),
    "epochs": _setting("epochs"),
    "augment": _setting("augment", lambda on: "yes" if on else "no"),
    "seed": _setting("seed"),
    "precision": lambda run: run.record.metrics.precision or run.record.config.get("precision", "—"),
    "network": lambda run: describe(run.network),
    "final test accuracy": _test_acc,
    "training time": _time,
    "parameters": lambda run: f"{parameter_count(run.network):,}",
    "images/s": lambda run: f"{run.record.metrics.images_per_sec:,.0f}",
}
