"""How a run looks on the Train page: progress, curves, filters, and how it ended."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

import cnn
from cnn.errors import ConfigError, StartError
from cnn.hardware import PRECISIONS, emulation_warning, native_bf16, resolve_device
from cnn.job import Registry, Snapshot, TrainingJob
from cnn.record import RunRecord, Status
from cnn.runs import RunInfo, read_record
from ui import charts, pictures
from ui.state import checkpoint, registry

# Seconds between redraws of a run in progress. Every rerun of the live view costs the browser and
# the server CPU that the run's two lockstep threads then miss: with the page open, every second
# took 0.12-0.14 of a core from the run, every two seconds 0.07-0.09 (/proc CPU times over 15 s).
LIVE_EVERY = 2.0
# How long a control waits for the run to take it up, so that the page draws the effect at once rather
# than at the live view's next redraw: Pause, Step and Resume took 0.05-0.4 s on two cores (the child acts
# after the step in hand); Stop, which evaluates on MNIST's 10,000 test images and saves, took 2.4 s, and
# 4.2-4.7 s from the click to "Stopped." in Chromium. Past these, the live view shows the effect as before.
CONTROL_WAIT = 2.0
STOP_WAIT = 5.0
ENDINGS = {
    Status.FINISHED: (st.success, "Finished"),
    Status.STOPPED: (st.warning, "Stopped"),
    Status.DIVERGED: (st.error, "Diverged"),
    Status.FAILED: (st.error, "Failed"),
}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "estimating..."
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def speed(s: Snapshot) -> str:
    """e.g. "2,905 images/s in float32 on CPU": the speed with what it depends on."""
    m = s.metrics
    where = f" in {m.precision} on {m.device.upper()}" if m.device else ""
    return f"{m.images_per_sec:,.0f} images/s{where}"


def precision_picker(disabled: bool) -> str:
    """The precision setting, saying what "auto" means on this machine; warns where bfloat16 is emulated."""
    precision = st.selectbox("Precision", PRECISIONS, key="train_precision", disabled=disabled,
                             format_func=_precision_label,
                             help="auto: bfloat16 where this machine computes it natively (about 1.7x faster "
                                  "than float32), else float32.")
    device = resolve_device()
    if precision == "bf16" and not native_bf16(device):
        st.warning(emulation_warning(device))
    return precision


def _precision_label(precision: str) -> str:
    if precision == "auto":
        return f"auto ({'bfloat16' if native_bf16(resolve_device()) else 'float32'} here)"
    return {"fp32": "float32", "bf16": "bfloat16"}[precision]


def progress(s: Snapshot) -> None:
    m = s.metrics
    fraction = m.steps / s.total_steps if s.total_steps else 0.0
    text = f"Step {m.steps:,} of {s.total_steps:,} · epoch {m.epochs:.2f} · {speed(s)}"
    if s.running:
        text += " · **paused**" if s.paused else f" · {duration(s.seconds_left)} left"
    st.progress(min(fraction, 1.0), text=f"**{s.name}** — {text}" if s.total_steps else s.message)
    if not s.running:
        show, title = ENDINGS.get(s.status, (st.info, s.status))
        acc = f" Final test accuracy: **{m.test_acc:.2%}**." if m.test_acc is not None else ""
        show(f"**{title}.** {s.message}{acc}")


def run_controls(job: TrainingJob, column) -> None:
    """Pause or Resume, and Step (one batch) while paused, in `column`; below them, with the constant
    schedule, the learning rate from the next step on."""
    pause, step = column.columns(2)
    if pause.button("Resume" if job.pause_requested else "Pause", key="train_pause", width="stretch",
                    help="Pause holds the run where it is (weights, optimizer, data order); Resume goes on "
                         "exactly from there."):
        pausing = not job.pause_requested
        (job.pause if pausing else job.resume)()
        job.wait_for(lambda j: j.snapshot().paused == pausing, CONTROL_WAIT)
        st.rerun()
    if step.button("Step", key="train_step", width="stretch", disabled=not job.pause_requested,
                   help="While paused: train exactly one batch and redraw everything."):
        before = job.snapshot().metrics.steps
        job.step()
        job.wait_for(lambda j: j.snapshot().metrics.steps > before, CONTROL_WAIT)  # the view below shows it
    if job.lr_can_change:
        with column:
            _lr_changer(job)


def _lr_changer(job: TrainingJob) -> None:
    with st.form("train_lr_form", border=False):
        rate, apply = st.columns([2, 1], vertical_alignment="bottom")
        lr = rate.number_input("Learning rate from the next step", min_value=1e-6, max_value=10.0, format="%.5f",
                               value=float(job.config.lr), key="train_lr_now")
        if apply.form_submit_button("Change", key="train_lr_change", width="stretch"):
            try:
                job.set_lr(lr)
                st.toast(f"Learning rate {lr:g} from the next step: the loss curve marks where.")
            except ConfigError as e:
                st.error(str(e))


def resume_button(reg: Registry, run: RunInfo) -> None:
    """For a run cut off by its server stopping: continue it from its last epoch's checkpoint."""
    if run.status is not Status.INTERRUPTED:
        return
    if st.button("Resume this run", key="train_resume_run",
                 help="Continues from its last checkpoint (saved at the end of each epoch, and as it stopped), "
                      "as if it had never stopped."):
        try:
            reg.resume(run)
            st.rerun()
        except StartError as e:
            st.error(str(e))


def layer_by_layer(record: RunRecord, key: str) -> None:
    """Gradient and weight norms per layer over the run, and each layer's weights now against at the
    start, in an expander computed only while open."""
    if not record.layers:
        return
    with st.expander("Layer by layer: gradients, weights and how they spread", key=key, on_change="rerun") as section:
        if not section.open:
            return
        st.caption("Recorded at the start and at every evaluation. Gradients that shrink towards 0 layer after "
                   "layer are vanishing; ones that shoot up are exploding. The histograms show how far training "
                   "has moved each layer's weights from their random start.")
        left, right = st.columns(2)
        left.markdown(charts.layer_norm_chart(record.layers, gradients=True), unsafe_allow_html=True)
        right.markdown(charts.layer_norm_chart(record.layers, gradients=False), unsafe_allow_html=True)
        start, (step, now) = record.layers[0][1], record.layers[-1]
        columns = st.columns(2)  # two a row: four or five side by side are too small to read
        for i, name in enumerate(now):
            columns[i % 2].markdown(charts.weight_histogram(name, start[name], now[name], step),
                                    unsafe_allow_html=True)


def curves(record: RunRecord) -> None:
    if not record.losses:
        st.caption("The charts appear with the first steps.")
        return
    left, right = st.columns(2)
    left.markdown(charts.loss_chart(record.losses, record.lr_changes), unsafe_allow_html=True)  # SVG: ui/svg.py
    right.markdown(charts.accuracy_chart(record.train_accs, record.evals), unsafe_allow_html=True)


def filters(s: Snapshot) -> None:
    if s.filters is not None:
        pictures.filters(s.filters, f"conv1: the {pictures.filter_words(s.filters)} at step {s.metrics.steps:,}. "
                                    "Red weights excite a filter, blue ones inhibit it.")


def snapshot(s: Snapshot) -> None:
    progress(s)
    curves(s)
    filters(s)
    layer_by_layer(s, key="train_live_layers")


def ended(s: Snapshot, saved: Path) -> None:
    """A run that has ended: how, its curves, and its filters at every evaluation."""
    progress(s)
    curves(s)
    if not filter_history(saved, key="train_filters"):
        filters(s)
    layer_by_layer(s, key="train_layers")


def saved_run(run: RunInfo) -> RunRecord | None:
    """A saved run's message and curves from its record, and its filters from its checkpoint.
    Returns the record (None if it cannot be read)."""
    record = None
    try:
        record = read_record(run.folder)
        st.caption(record.message)
        curves(record)
    except (OSError, ValueError) as e:
        st.error(f"This run's record cannot be read: {e}")
    if not filter_history(run.checkpoint, key="train_saved_filters"):
        st.caption("This run kept no filter history (runs trained by this version keep one).")
    if record is not None:
        layer_by_layer(record, key="train_saved_layers")
    return record


def filter_history(saved: Path, key: str) -> bool:
    """conv1's filters at every evaluation of the run saved at `saved`, with a slider over the
    steps; False (and nothing shown) if the run kept no history or its checkpoint is unreadable."""
    try:
        history = checkpoint(saved).filter_history() if saved.is_file() else None
    except cnn.CheckpointError:
        return False
    if history is None:
        return False
    steps, kept = history  # kept: (K, C, 1, k, k), conv1's filters at each of the K steps
    st.markdown("#### How the filters learned")
    # Keyed by the last step too: a history that grew (a run saved again) starts at its new end.
    step = st.select_slider("Step", steps, value=steps[-1], format_func=_step_label, key=f"{key}_{steps[-1]}",
                            help=f"conv1's {pictures.filter_words(kept[0])} as they were at the start and at "
                                 "each evaluation.")
    bound = float(np.abs(kept).max()) or 1.0  # one colour scale for every step: watch them strengthen
    for column, index, caption in zip(st.columns(2), (0, steps.index(step)), (
            "conv1 filters at the start: random", f"conv1 filters at step {step:,} of {steps[-1]:,}. Red weights "
            "excite a filter, blue ones inhibit it; one colour scale for both.")):
        with column:
            pictures.filters(kept[index], caption, bound=bound, when=f"at step {steps[index]}")
    return True


def _step_label(step: int) -> str:
    return "start" if step == 0 else f"{step:,}"


@st.fragment(run_every=LIVE_EVERY)
def live() -> None:
    """The run in progress, redrawn every LIVE_EVERY seconds without rerunning the page.

    It lives here and finds the run itself: a function defined in a page script (a fragment,
    a lambda given to a widget) keeps that script run's globals alive for as long as Streamlit
    holds it, and with them the run they named. Every past run stayed in memory, weights and
    all (bench/bench_memory.py: +12 to +25 MB a run).
    """
    s = registry().current.snapshot()
    snapshot(s)
    if not s.running:
        st.rerun()  # the run ended: redraw the whole page once, and stop polling
