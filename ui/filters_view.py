"""What each filter looks for (Draw): the test digits that excite a channel most, an input made to
excite it, and the channels the drawing excites most, each beside its best test digits."""
from __future__ import annotations

import numpy as np
import streamlit as st

import cnn
from cnn.filters import TopPatches, receptive_field, strongest_channels
from ui import pictures, state, viz
from ui.layout import slider_start
from ui.state import ModelChoice

YOURS = 4  # the drawing's strongest channels shown
MOSAIC = 126  # px of a channel's 3x3 grid of best patches, about


def looks_for(choice: ModelChoice, model: cnn.Net, image: np.ndarray, analysis: cnn.Analysis) -> None:
    """The channels this drawing excites most, then any channel's favourite test digits and an
    input synthesised for it."""
    st.caption("A channel fires where its filter finds its pattern. Its favourite patterns show in the "
               "test digits that make it fire most: each tile is the part of a digit that channel sees, "
               "its receptive field. Made-up inputs, grown by gradient ascent, show what it wants in pure form.")
    convs = [layer for layer in model.config.spatial_layers if layer.startswith("conv")]
    deep = "conv2" if "conv2" in convs else convs[-1]
    _yours(choice, model, image, analysis, deep)
    _any_channel(choice, model, convs, deep, analysis)


def _best(choice: ModelChoice, model: cnn.Net, layer: str) -> TopPatches | None:
    """The layer's best test patches, or None with the reason shown."""
    try:
        with st.spinner(f"Finding the test digits each {layer} channel likes best (once per model)…"):
            return state.best_patches(choice, model, layer)
    except cnn.DataError as e:
        st.warning(f"The favourite test digits need MNIST's test set. {e}")
        return None


def _yours(choice: ModelChoice, model: cnn.Net, image: np.ndarray, analysis: cnn.Analysis, layer: str) -> None:
    """The drawing's strongest channels: where each fired (boxed on the drawing), and its favourites."""
    st.markdown(f"**Your drawing excites these {layer} channels most**: where each fired most (boxed), "
                f"and the test digits it likes best.")
    best = _best(choice, model, layer)
    for column, (channel, peak) in zip(st.columns(YOURS, gap="medium"), strongest_channels(model, image, layer, YOURS)):
        maps = analysis.maps[layer][channel]  # (H, W)
        row, col = np.unravel_index(int(maps.argmax()), maps.shape)
        with column:
            pictures.inline_picture(viz.boxed(image, receptive_field(model.config, layer, row, col), 4),
                                    f"channel {channel}: fires {peak:.2f}", alt=f"where {layer} channel {channel} "
                                    f"fired on the drawing", width=MOSAIC)
            if best is not None:
                _mosaic(best, channel, "its best 9 test digits")


def _any_channel(choice: ModelChoice, model: cnn.Net, convs: list[str], deep: str, analysis: cnn.Analysis) -> None:
    """Pick a layer and channel: its best nine test patches, an input made for it, and every channel at once."""
    st.markdown("**Any channel**")
    layer = st.segmented_control("Layer", convs, key="draw_filters_layer", default=deep) or deep
    key = f"draw_filters_channel_{layer}"
    top = model.config.channels[convs.index(layer)] - 1
    slider_start(key, int(analysis.maps[layer].max(axis=(1, 2)).argmax()), top)  # first: the drawing's strongest
    channel = st.slider("Channel", 0, top, key=key)
    best = _best(choice, model, layer)
    favourites, made = st.columns(2, gap="large")
    with favourites:
        if best is not None:
            _mosaic(best, channel, f"{layer} channel {channel}: the 9 test digits it fires on most", width=2 * MOSAIC)
    with made:  # about 0.1 s a channel on two cores (bench/bench_filters.py), then cached
        pictures.inline_picture(viz.pixel_grid(state.synthesised(choice, model, layer, channel), 9),
                                f"an input made for {layer} channel {channel}: grown from faint noise by gradient "
                                f"ascent on the channel's mean response", alt="the synthesised input", width=2 * MOSAIC)
    if best is not None:
        grid = viz.tile(np.stack([viz.patch_mosaic(p, _scale(best)) for p in best.patches]), columns=8)
        pictures.inline_picture(grid, f"Every {layer} channel's best nine, channel 0 top left, in reading order",
                                alt=f"the best test digits of every {layer} channel", width=min(grid.shape[1] * 2, 720))


def _mosaic(best: TopPatches, channel: int, caption: str, width: int = MOSAIC) -> None:
    mosaic = viz.patch_mosaic(best.patches[channel], _scale(best))
    pictures.inline_picture(mosaic, caption, alt=caption, width=width)


def _scale(best: TopPatches) -> int:
    """Patches enlarged to about 40 px: 5x5 at 8x, 14x14 at 3x."""
    return max(1, round(40 / best.patches.shape[-1]))
