"""How a prediction looks on the Draw page: the input, the verdict, the bars, the layers."""
from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

import cnn
from cnn import explain
from cnn.preprocess import resize
from ui import charts, pictures, viz
from ui.picker import pick_model
from ui.state import ModelChoice

CANVAS_HEIGHT = 280  # px: Draw's canvas, and the number mode's


def canvas(key: str, width: int, brush: int, kept: str) -> np.ndarray | None:
    """Draw's black canvas, 280 px high and `width` wide, white ink of `brush` px; the last drawing made on
    it, (280, width, 4) RGBA, kept in the session as `kept` (None before the first stroke)."""
    drawn = st_canvas(stroke_width=brush, stroke_color="#FFFFFF", background_color="#000000", height=CANVAS_HEIGHT,
                      width=width, drawing_mode="freedraw", return_image_data=True, key=key)
    if drawn.image_data is not None:
        st.session_state[kept] = drawn.image_data
    return st.session_state.get(kept)


def verdict(probs: np.ndarray) -> st.delta_generator.DeltaGenerator:
    """The prediction and its bars; returns the place for a "not sure" note, filled once the
    doubt is assessed, so the answer reaches the screen first."""
    top = int(np.argmax(probs))
    st.markdown(f"#### Prediction: {top} ({probs[top]:.1%})")
    note = st.empty()
    st.vega_lite_chart(charts.probability_chart(probs), width="stretch")
    return note


def compare(first: ModelChoice, probs: np.ndarray, image: np.ndarray) -> None:
    """With the toggle on: the bars of this model and of a second one, side by side."""
    if not st.toggle("Compare with a second model", key="draw_compare"):
        return
    left, right = st.columns(2, gap="large")
    with left:
        st.selectbox("First model", [first.label], disabled=True, key="draw_model_a_label")
        bars(probs, key="draw_bars_a")
    with right:
        _, second = pick_model("draw_model_b", label="Second model")
        if second is not None:
            bars(cnn.classify(second, image), key="draw_bars_b")


def bars(probs: np.ndarray, key: str) -> None:
    top = int(np.argmax(probs))
    st.markdown(f"**Prediction: {top}** ({probs[top]:.1%})")
    st.vega_lite_chart(charts.probability_chart(probs), width="stretch", key=key)


def doubt_note(place, probs: np.ndarray, doubt: cnn.Doubt) -> None:
    if doubt.reason:
        second = int(np.argsort(probs)[-2])
        place.warning(f"**Not sure**: {doubt.reason}. Is it a digit? If so, it could also be a **{second}** "
                      f"({probs[second]:.1%}).")


def model_input(image: np.ndarray, caption: str = "28×28: cropped, scaled to 20×20 and centred by mass, "
                                                   "as MNIST was made") -> None:
    st.markdown("#### The model's input")
    pictures.inline_picture(viz.pixel_grid(image, scale=9), alt="the 28×28 input", caption=caption)


def why(model: cnn.Net, image: np.ndarray, probs: np.ndarray, key: str, versus: int | None = None) -> None:
    """Saliency for the prediction, and against another digit: the one picked, else `versus`,
    else the runner-up ("why not a 7?")."""
    ranked = np.argsort(probs)[::-1]
    top = int(ranked[0])
    picked = st.pills("Why not…", range(10), format_func=_why_not, key=key,
                      help="Pick a digit to see what in the drawing speaks against it.")
    other = picked if picked is not None and picked != top else versus if versus is not None else int(ranked[1])
    left, right, _ = st.columns([1, 1, 0.6], gap="medium")
    with left:
        pictures.inline_picture(viz.saliency_picture(image, explain.saliency(model, image, top)),
                                f"Why a {top}: red ink makes it a {top} rather than any other digit, "
                                f"blue ink speaks against it", alt=f"saliency for {top}", width=252)
    with right:
        pictures.inline_picture(viz.saliency_picture(image, explain.saliency(model, image, top, versus=other)),
                                f"Why not a {other}: red ink makes it a {top} rather than a {other}, "
                                f"blue ink looks more like a {other}", alt=f"saliency for {top} versus {other}",
                                width=252)


def _why_not(digit: int) -> str:
    return f"a {digit}?"


def preparation(model: cnn.Net, prepared: cnn.Prepared) -> None:
    """MNIST's preparation step by step, each with the answer it would give, then the naive resize."""
    st.caption("The model takes 28×28 pixels. Prepared the way MNIST's digits were (left to right) your drawing "
               "reads like the digits it learned from; squashed whole (right), it often does not.")
    steps = explain.preparation_steps(prepared)
    fed = [step for step in steps if step.model_input is not None]
    probs = cnn.classify(model, np.stack([step.model_input for step in fed]))  # (len(fed), 10)
    answers = {step.name: p for step, p in zip(fed, probs)}
    columns = st.columns([1, 1, 1, 1, 0.15, 1])  # a gap before the naive resize
    for column, step in zip(columns[:4] + columns[5:], steps):
        with column:
            pictures.inline_picture(_step_picture(step.picture), f"{step.name} · {_size(step.picture)}",
                                    alt=step.name, width=150)
            p = answers.get(step.name)
            st.markdown(f"reads as **{p.argmax()}** ({p.max():.0%})" if p is not None else "as drawn")


def _step_picture(picture: np.ndarray, side: int = 150) -> np.ndarray:
    """Squared (so the row lines up), then shrunk smoothly or enlarged with sharp pixels to
    about `side` px."""
    picture = viz.square(picture)
    if len(picture) > side:
        return viz.grey_rgb(resize(picture, side, side))
    return viz.enlarge(viz.grey_rgb(picture), side // len(picture))


def _size(picture: np.ndarray) -> str:
    return f"{picture.shape[1]} × {picture.shape[0]}"


def layers(model: cnn.Net, analysis: cnn.Analysis) -> None:
    """The maps of every conv and pool layer this model has (one to three blocks), and conv1's
    filters. Not the dense layers (fc1, which a model may lack, and the logits): they are vectors."""
    st.caption("Each tile is one channel's activation for your drawing (bright: strong). "
               "Colours share one scale per layer, so a dark tile is a channel that barely fired.")
    columns = st.columns(2, gap="large")
    for i, name in enumerate(model.config.spatial_layers):
        c, h, w = analysis.maps[name].shape
        with columns[i % 2]:
            pictures.inline_picture(viz.feature_grid(analysis.maps[name]), f"{name} · {c} × {h} × {w}",
                                    alt=f"{name} feature maps")
    weights = model.conv1.weight.detach().float().cpu().numpy()  # (C, 1, k, k): (32, 1, 5, 5) in the tutorial's
    count, _, side, _ = weights.shape
    with columns[0]:
        pictures.filters(weights, f"conv1 filters · {count} × {side} × {side} (red excites, blue inhibits)")
