"""Fool it, on the Draw page: a faint change to the drawing that makes the model say another digit."""
from __future__ import annotations

import numpy as np
import streamlit as st

import cnn
from cnn.adversarial import Fooling, make_it_say
from ui import charts, pictures, viz

SCALE = 9  # 28x28 pictures sent at 252 px
WIDTH = 180  # and shown at this width, three in a row beside the bars


def fool(model: cnn.Net, image: np.ndarray, probs: np.ndarray) -> None:
    """Make the model say the digit picked (default: the runner-up) within the bound chosen, and
    show the change and the new answer."""
    st.caption("Nudge every pixel a little the way the network's gradient points and thousands of changes "
               "a person barely sees add up to another answer. The network never saw such patterns in "
               "training; this is why models that matter are tested against such adversarial inputs.")
    ranked = np.argsort(probs)[::-1]
    picked = st.pills("Make it say", range(10), key="draw_fool_target", default=int(ranked[1]),
                      help="The digit the model should answer; at first its runner-up.")
    bound = st.slider("Largest change to a pixel", min_value=0.05, max_value=0.3, value=0.2, step=0.05,
                      key="draw_fool_bound", help="Pixels run from 0 (black) to 1 (white ink).")
    target = int(ranked[1]) if picked is None else picked
    if target == ranked[0]:
        st.info(f"It already says {target}: pick another digit.")
        return
    _show(make_it_say(model, image, target, bound))


def _show(fooled: Fooling) -> None:
    """The original, the change, the changed image, and the answer it now gets."""
    b = fooled.bound
    change = viz.enlarge(viz.colourise(fooled.change, "RdBu_r", -b, b), SCALE)  # (252, 252, 3): red adds ink
    columns = st.columns([1, 1, 1, 1.4], gap="small")
    with columns[0]:
        pictures.inline_picture(viz.pixel_grid(fooled.original, SCALE), "Your digit", alt="the model's input",
                                width=WIDTH)
    with columns[1]:
        pictures.inline_picture(change, f"The change: red adds ink, blue removes it (±{b:g} at full colour)",
                                alt="the change", width=WIDTH)
    with columns[2]:
        pictures.inline_picture(viz.pixel_grid(fooled.changed, SCALE), "Changed", alt="the changed input",
                                width=WIDTH)
    with columns[3]:
        now = int(fooled.probs_after.argmax())
        if fooled.succeeded:
            st.success(f"The model now says **{now}** ({fooled.probs_after[now]:.1%}).")
        else:
            st.warning(f"Not within this bound: try a larger one. It still says **{now}** "
                       f"({fooled.probs_after[now]:.1%}).")
        st.vega_lite_chart(charts.probability_chart(fooled.probs_after), width="stretch", key="draw_fool_bars")
