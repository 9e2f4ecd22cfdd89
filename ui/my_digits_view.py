"""The user's own digits: keeping a drawing on Draw, and the "My digits" gallery."""
from __future__ import annotations

from datetime import datetime
from operator import attrgetter

import numpy as np
import streamlit as st

from cnn.errors import CheckpointError, StartError
from cnn.finetune import HOLD_OUT_FROM, MIN_DRAWINGS, FineTune, finetune_config
from cnn.job import Snapshot
from cnn.my_digits import MyDigit, MyDigits, counts
from cnn.runs import runs_root
from ui import pictures, train_view, viz
from ui.layout import steady_container, tiles
from ui.state import checkpoint, model_choices, registry


def my_digits() -> MyDigits:
    return MyDigits(runs_root())


def keep(image: np.ndarray, prediction: int) -> None:
    """One click keeps the drawing as the predicted digit; a picker keeps it as another."""
    st.markdown("##### Keep this drawing")
    st.button(f"Right: keep as a {prediction}", key="draw_keep_right", on_click=_keep, args=(image, prediction),
              help="Adds it to My digits, to look at and to fine-tune on.", width="stretch")
    picker, wrong = st.columns(2, vertical_alignment="bottom")
    label = picker.selectbox("Wrong? It is a", range(10), index=None, placeholder="digit", key="draw_keep_label")
    wrong.button("Keep with that digit", key="draw_keep_wrong", disabled=label is None, on_click=_keep,
                 args=(image, label), width="stretch")


def _keep(image: np.ndarray, label: int | None) -> None:
    try:
        my_digits().add(image, label)
    except OSError as e:
        st.toast(f"Could not keep the drawing: {e.strerror or e}", icon=":material/error:")
        return
    st.toast(f"Kept as a {label}: {len(my_digits().items(label))} in My digits.", icon=":material/check:")


def overview(kept: list[MyDigit]) -> None:
    """Where the drawings are, how many each digit has, and the gallery."""
    per_digit = counts(kept)
    st.caption(f"{len(kept)} drawings, kept in {my_digits().folder}.")
    counts_row(per_digit)
    gallery(kept, per_digit)


def counts_row(per_digit: np.ndarray) -> None:
    """How many drawings each digit has: one row, spread across the page, that wraps on a phone (ten
    columns would stack there, one count a line)."""
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        for digit, count in enumerate(per_digit):
            st.metric(f"{digit}s", int(count), width="content")


def gallery(kept: list[MyDigit], per_digit: np.ndarray) -> None:
    """Each digit's drawings in a tab, newest first, each with a delete button."""
    for digit, tab in enumerate(st.tabs([f"{d} ({per_digit[d]})" for d in range(10)])):
        with tab:
            mine = [k for k in kept if k.label == digit]
            if not mine:
                st.caption(f"No {digit}s kept yet.")
            tiles(mine, _kept)


def _kept(item: MyDigit) -> None:
    """One kept drawing in the gallery: the picture, when it was kept, and its Delete button."""
    pictures.inline_picture(viz.pixel_grid(item.image, scale=3), _kept_on(item), alt=f"a kept {item.label}")
    st.button("Delete", key=f"my_digits_delete_{item.path.stem}", on_click=_delete, args=(item.path,),
              width="stretch", icon=":material/delete:")


def _kept_on(item: MyDigit) -> str:
    """The kept drawing's file name starts with when it was kept: 20261128-175741-..."""
    return f"{datetime.strptime(item.path.stem[:15], '%Y%m%d-%H%M%S'):%d %b, %H:%M}"


def _delete(path) -> None:
    try:
        my_digits().delete(path)
    except (OSError, ValueError) as e:
        st.toast(f"Could not delete it: {e}", icon=":material/error:")


def finetune_panel(kept: list[MyDigit]) -> None:
    """Start a short run from a chosen model on these drawings (the Train page's machinery:
    one run at a time), watch it, and see what it changed."""
    st.subheader("Fine-tune on my digits")
    st.caption(f"A short run ({finetune_config().max_steps} steps) continues from the model you choose, on your "
               f"drawings mixed with MNIST's training images so it does not forget MNIST. With "
               f"{HOLD_OUT_FROM} drawings or more, a fifth of each digit's are held out to measure it on.")
    reg = registry()
    job = reg.current
    running = bool(job and job.running)
    choices = [c for c in model_choices(include_live=False) if c.path is not None and not c.error]
    choice = st.selectbox("Start from", choices, format_func=attrgetter("label"), key="my_digits_start_from",
                          disabled=running)
    enough = len(kept) >= MIN_DRAWINGS
    if st.button("Fine-tune", type="primary", key="my_digits_finetune",
                 disabled=running or not enough or choice is None,
                 help=None if enough else f"Keep at least {MIN_DRAWINGS} drawings first."):
        tune = FineTune(choice.path, np.stack([k.image for k in kept]), np.array([k.label for k in kept]))
        try:
            # The run's config names the network it fine-tunes: the Draw page rebuilds the run in progress from it.
            reg.start(finetune_config(network=checkpoint(choice.path).model.config), "finetune", tune)
            st.rerun()  # drawn again with the controls off while it runs
        except (StartError, CheckpointError) as e:  # a run folder that cannot be written; a damaged saved run
            st.error(str(e))
    if running:
        with steady_container("my_digits_live"):
            train_view.live()
    elif job is not None and job.snapshot().report:
        report(job.snapshot())


def report(s: Snapshot) -> None:
    """Accuracy before and after, on the user's drawings and on MNIST's test set."""
    train_view.progress(s)
    r = s.report
    mine = f"my digits ({r['held_out']} held out)" if r["held_out"] else f"my digits (all {r['drawings']}: too few " \
        f"to hold some out, so measured on the ones it learned from)"
    st.dataframe({"measured on": [mine, "MNIST test set"],
                  "before": [f"{r['mine_before']:.1%}", f"{r['mnist_before']:.2%}"],
                  "after": [f"{r['mine_after']:.1%}", f"{r['mnist_after']:.2%}" if r["mnist_after"] is not None
                            else "n/a"]},
                 hide_index=True, key="my_digits_report")
    st.success(f"Saved as the run **{s.name}**: choose it on Draw to try it.")
