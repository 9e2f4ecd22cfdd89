"""How a prediction looks on the Draw page: the input, the verdict, the bars, the layers."""
from __future__ import annotations

import numpy as np
import streamlit as st

import cnn
from cnn import viz
from ui import charts, pictures

LAYER_COLUMNS = {"conv1": 8, "pool1": 8, "conv2": 8, "pool2": 8}
LAYER_SCALE = {"conv1": 2, "pool1": 4, "conv2": 4, "pool2": 8}  # tiles about 56 px wide


def verdict(probs: np.ndarray) -> st.delta_generator.DeltaGenerator:
    """The prediction and its bars; returns the place for a "not sure" note, filled once the
    doubt is assessed, so the answer reaches the screen first."""
    top = int(np.argmax(probs))
    st.markdown(f"#### Prediction: {top} ({probs[top]:.1%})")
    note = st.empty()
    st.vega_lite_chart(*charts.probability_chart(probs), width="stretch")
    return note


def doubt_note(place, probs: np.ndarray, doubt: cnn.Doubt) -> None:
    if doubt.reason:
        second = int(np.argsort(probs)[-2])
        place.warning(f"**Not sure**: {doubt.reason}. Is it a digit? If so, it could also be a **{second}** "
                      f"({probs[second]:.1%}).")


def model_input(image: np.ndarray) -> None:
    st.markdown("#### What the model sees")
    pictures.inline_picture(viz.pixel_grid(image, scale=9), alt="the 28×28 input",
                            caption="28×28: cropped, scaled to 20×20 and centred by mass, as MNIST was made")


def layers(model: cnn.Net, analysis: cnn.Analysis) -> None:
    st.subheader("Inside the network")
    st.caption("Each tile is one channel's activation for your drawing (bright: strong). "
               "Colours share one scale per layer, so a dark tile is a channel that barely fired.")
    columns = st.columns(2, gap="large")
    for i, name in enumerate(cnn.SPATIAL_LAYERS):
        c, h, w = analysis.maps[name].shape
        grid = viz.feature_grid(analysis.maps[name], LAYER_COLUMNS[name], LAYER_SCALE[name])
        with columns[i % 2]:
            pictures.inline_picture(grid, f"{name} · {c} × {h} × {w}", alt=f"{name} feature maps")
    weights = model.conv1.weight.detach().float().cpu().numpy()  # (32, 1, 5, 5)
    with columns[0]:
        pictures.filters(weights, "conv1 filters · 32 × 5 × 5 (red excites, blue inhibits)")
