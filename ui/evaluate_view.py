"""How a model's test-set evaluation looks: the summary, the confusion matrix, per-digit
precision and recall, and the mistakes, each of which can be opened like a drawing."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import cnn
from cnn.evaluate import Evaluation
from ui import charts, pictures, prediction_view, viz
from ui.layout import click_through_labels, shrink_to_column, tiles

CELL_IMAGES = 60  # test images shown for a confusion-matrix cell
GALLERY = 40  # mistakes shown at once
TRUE, PREDICTED, CHOSEN = "eval_true", "eval_predicted", "eval_chosen"  # session-state keys


def summary(ev: Evaluation) -> None:
    mistakes = len(ev.mistakes())
    true, predicted, count = ev.most_confused()
    a, b, c = st.columns(3)
    a.metric("Test accuracy", f"{ev.accuracy:.2%}", help=f"Right on {len(ev.labels) - mistakes:,} of "
                                                        f"{len(ev.labels):,} test images.")
    b.metric("Mistakes", f"{mistakes:,}")
    if count:
        c.metric("Most confused", f"{true} → {predicted}", help=f"{count} test images of a {true} were taken "
                                                              f"for a {predicted}.")


def matrix(ev: Evaluation) -> None:
    """The heatmap; a click on a cell chooses it (and sets the two pickers beside it)."""
    if TRUE not in st.session_state:  # start on the most frequent mistake
        st.session_state[TRUE], st.session_state[PREDICTED], _ = ev.most_confused()
    chosen = (st.session_state[TRUE], st.session_state[PREDICTED])
    shrink_to_column("eval_matrix")  # a phone's column is narrower than the square
    with click_through_labels("eval_matrix_box"):
        st.vega_lite_chart(charts.confusion_chart(ev.confusion, chosen), width="content", key="eval_matrix",
                           on_select=_cell_clicked, selection_mode=charts.CELL)
    st.caption("Rows: the true digit. Columns: what the model answered. The diagonal holds the right answers; "
               "red cells are mistakes. Hover for counts, click a cell to see its images.")


def _cell_clicked() -> None:
    cells = st.session_state["eval_matrix"].selection.get(charts.CELL) or []
    if cells:  # a click beside the cells clears the selection: keep the chosen cell
        st.session_state[TRUE], st.session_state[PREDICTED] = int(cells[0]["true"]), int(cells[0]["predicted"])


def cell(ev: Evaluation, images: np.ndarray) -> None:
    """Pickers for a cell (the keyboard's way to the heatmap's click), then its test images."""
    a, b = st.columns(2)
    true = a.selectbox("True digit", range(10), key=TRUE)
    predicted = b.selectbox("Predicted as", range(10), key=PREDICTED)
    found = ev.cell(true, predicted)
    if not len(found):
        st.info(f"No test image of a {true} was predicted as a {predicted}.")
        return
    shown = found[:CELL_IMAGES]
    what = f"{true}s predicted correctly, least sure first" if true == predicted else \
        f"{true}s taken for a {predicted}, surest mistakes first"
    more = f" (the first {len(shown)} shown)" if len(found) > len(shown) else ""
    grid = viz.tile(np.stack([viz.grey_rgb(images[i]) for i in shown]), columns=min(10, len(shown)), scale=2)
    pictures.inline_picture(grid, f"{len(found):,} test images: {what}{more}", alt=f"test images of {true} "
                            f"predicted as {predicted}", width=2 * grid.shape[1])


def per_digit(ev: Evaluation) -> None:
    table = pd.DataFrame({"digit": range(10), "test images": ev.confusion.sum(1), "right": np.diag(ev.confusion),
                          "precision": ev.precision * 100, "recall": ev.recall * 100})
    st.dataframe(table, hide_index=True, width="content", key="eval_per_digit", column_config={
        "precision": st.column_config.NumberColumn(
            format="%.2f%%", help="Of the images predicted as this digit, the share that were this digit."),
        "recall": st.column_config.NumberColumn(
            format="%.2f%%", help="Of the images of this digit, the share the model got right."),
    })
    low_recall, low_precision = int(np.nanargmin(ev.recall)), int(np.nanargmin(ev.precision))
    st.caption(f"Missed most often: **{low_recall}** (recall {ev.recall[low_recall]:.2%}). Answered wrongly most "
               f"often: **{low_precision}** (precision {ev.precision[low_precision]:.2%}).")


def mistakes(model: cnn.Net, ev: Evaluation, images: np.ndarray) -> None:
    """The misclassified images, surest mistakes first, with the chosen one opened up."""
    counts = np.bincount(ev.labels[ev.labels != ev.predictions], minlength=10)
    digit = st.pills("Mistakes on", [d for d in range(10) if counts[d]], format_func=lambda d: f"{d} ({counts[d]})",
                     key="eval_mistakes_digit", help="Show only the mistakes on one true digit.")
    found = ev.mistakes(digit)
    if not len(found):
        st.success("No mistakes on the test set.")
        return
    if st.session_state.get(CHOSEN) not in found:
        st.session_state[CHOSEN] = int(found[0])
    _gallery(ev, images, found)
    inspect(model, ev, images, st.session_state[CHOSEN])


def _gallery(ev: Evaluation, images: np.ndarray, found: np.ndarray) -> None:
    shown = found[:GALLERY]
    st.caption(f"{len(found):,} mistakes{f', the surest {len(shown)} shown' if len(found) > len(shown) else ''}. "
               "Under each: the true digit → the model's answer · its confidence, and a button that opens it below.")
    tiles(shown, lambda index: _mistake(ev, images, index))


def _mistake(ev: Evaluation, images: np.ndarray, index: int) -> None:
    """One mistake in the gallery: the test image, what it is and what the model said, a button to open it."""
    pictures.inline_picture(viz.pixel_grid(images[index], scale=3),
                            f"{ev.labels[index]} → {ev.predictions[index]} · {ev.confidence[index]:.0%}",
                            alt=f"test image {index}")
    st.button(f"#{index}", key=f"eval_mistake_{index}", on_click=_choose, args=(int(index),),
              help=f"Open test image #{index}", width="stretch",
              type="primary" if index == st.session_state[CHOSEN] else "secondary")


def _choose(index: int) -> None:
    st.session_state[CHOSEN] = index


def inspect(model: cnn.Net, ev: Evaluation, images: np.ndarray, index: int) -> None:
    """One test image as the Draw page shows a drawing: input, bars, why, and the layers."""
    true, answer = int(ev.labels[index]), int(ev.predictions[index])
    st.markdown(f"#### Test image #{index}: a {true}, taken for a {answer}")
    analysis = cnn.analyze(model, images[index])
    left, right = st.columns([1, 1.3], gap="medium")
    with left:
        prediction_view.model_input(images[index], caption=f"test image #{index} · labelled {true}")
    with right:
        prediction_view.verdict(analysis.probs)
    st.subheader("Why this digit")
    prediction_view.why(model, images[index], analysis.probs, key="eval_why", versus=true)
    st.subheader("Inside the network")
    prediction_view.layers(model, analysis)
