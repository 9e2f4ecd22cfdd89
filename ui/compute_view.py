"""One number, computed before your eyes (Draw): pick any value the network computed for the drawing
and see the arithmetic that made it, then watch the kernel slide over the whole map."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import cnn
from cnn.compute import ConvSum, DenseSum, PoolPick, conv_sum, dense_sum, pool_pick
from ui import charts, viz
from ui.layout import slider_start
from ui.slide import Slide, slide_svg

PICK = "pick"  # the map chart's selection parameter: the clicked (row, col)
SPEEDS = (5, 10, 25, 50, 100, 200, 400)  # positions a second the slide can play at
SHOWN_CHANNELS = 3  # conv2's input channels shown in full: the ones that added most
SHOWN_INPUTS = 12  # a dense unit's inputs in its bar chart
MAP_SIDE = 252  # px of the clickable map
CHOSEN = "#00e5ff"  # the chosen cell's outline: cyan, apart from every colour of magma


@dataclass(frozen=True)
class Unit:
    layer: str
    channel: int  # a dense layer's unit
    row: int = 0
    col: int = 0


def calculator(model: cnn.Net, image: np.ndarray, analysis: cnn.Analysis) -> None:
    """One value of any layer for this drawing, worked out in full."""
    st.caption("Every value in the network is a sum of products, a maximum or a ReLU. Pick one, by clicking "
               "a pixel of the map or with the sliders, and see the numbers it comes from.")
    unit = _pick_unit(model, analysis)
    if unit.layer.startswith("conv"):
        _show_conv(conv_sum(model, image, unit.layer, unit.channel, unit.row, unit.col), image, analysis)
    elif unit.layer.startswith("pool"):
        _show_pool(pool_pick(model, image, unit.layer, unit.channel, unit.row, unit.col))
    else:
        _show_dense(dense_sum(model, image, unit.layer, unit.channel), analysis)


def _pick_unit(model: cnn.Net, analysis: cnn.Analysis) -> Unit:
    """The layer, then its channel (or unit) and position: sliders, and clicks on the map beside them."""
    layers = model.config.layers
    layer = st.segmented_control("Layer", layers, key="draw_calc_layer", default=layers[0]) or layers[0]
    maps = analysis.maps[layer]  # (C, H, W); dense layers (n, 1, 1)
    strongest = np.unravel_index(int(maps.argmax()), maps.shape)  # where the layer fired most: the default
    keys = {part: f"draw_calc_{part}_{layer}" for part in ("channel", "row", "col")}  # one set per layer
    for part, value, size in zip(("channel", "row", "col"), strongest, maps.shape):
        slider_start(keys[part], int(value), size - 1)
    if layer == "logits":
        channel = st.select_slider("Digit", range(len(maps)), key=keys["channel"])
        return Unit(layer, channel)
    what = "Unit" if layer == "fc1" else "Channel"
    channel = st.slider(what, 0, len(maps) - 1, key=keys["channel"])
    if layer == "fc1":
        return Unit(layer, channel)
    picker, sliders = st.columns([1, 1], gap="medium")
    with sliders:
        _, side, _ = maps.shape
        row = st.slider("Row", 0, side - 1, key=keys["row"])
        col = st.slider("Column", 0, side - 1, key=keys["col"])
    with picker:
        chart = _map_chart(maps[channel], float(maps.max()), (row, col), f"{layer} channel {channel}")
        st.vega_lite_chart(chart, width="content", key=f"draw_calc_map_{layer}", selection_mode=PICK,
                           on_select=partial(_clicked, f"draw_calc_map_{layer}", keys["row"], keys["col"]))
    return Unit(layer, channel, row, col)


def _clicked(chart_key: str, row_key: str, col_key: str) -> None:
    """A click on the map moves the sliders (before they are drawn again)."""
    cells = st.session_state[chart_key].selection.get(PICK) or []
    if cells:  # a click beside the cells clears the selection: keep the position
        st.session_state[row_key], st.session_state[col_key] = int(cells[0]["row"]), int(cells[0]["col"])


def _map_chart(values: np.ndarray, top: float, chosen: tuple[int, int], title: str) -> dict:
    """One channel's (H, W) map as clickable cells, on the layer's colour scale (`top` its brightest),
    the chosen cell outlined."""
    rows, cols = np.indices(values.shape)
    data = pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "value": values.ravel().astype(float),
                         "shade": values.ravel() / max(top, 1e-6),  # 0 to 1 on magma, for every map of the layer
                         "chosen": [(r, c) == chosen for r, c in zip(rows.ravel(), cols.ravel())]})
    step = {"step": MAP_SIDE // len(values)}  # px a cell: 9 for 28x28 maps, 18 for 14x14
    return charts.filled(_map_cells, data.to_dict("records"), title=title, width=step, height=step)


def _map_cells(data) -> alt.LayerChart:
    plain, tight = alt.Axis(labels=False, ticks=False, title=None, domain=False), alt.Scale(padding=0, paddingInner=0)
    base = alt.Chart(data).encode(
        x=alt.X("col:O", axis=plain, scale=tight), y=alt.Y("row:O", axis=plain, scale=tight),
        tooltip=[alt.Tooltip("row:O"), alt.Tooltip("col:O", title="column"), alt.Tooltip("value:Q", format=".3f")])
    cells = base.mark_rect(cursor="pointer").encode(
        color=alt.Color("shade:Q", scale=alt.Scale(scheme="magma", domain=[0, 1], clamp=True), legend=None),
    ).add_params(alt.selection_point(name=PICK, fields=["row", "col"], clear=False))
    outline = base.transform_filter("datum.chosen").mark_rect(fill=None, stroke=CHOSEN, strokeWidth=2.5)
    return cells + outline


def _show_conv(step: ConvSum, image: np.ndarray, analysis: cnn.Analysis) -> None:
    k = step.kernel.shape[-1]
    reads = ("the drawing's pixels, standardised as the model does: (pixel − 0.1307) / 0.3081"
             if step.source == "input" else f"a {k}×{k} window of each of the {len(step.window)} {step.source} maps")
    st.markdown(f"**{step.layer}, channel {step.channel}, at ({step.row}, {step.col})** reads {reads}; "
                f"each value is multiplied by the kernel's weight at the same place and the products are added up.")
    for channel in step.strongest(1 if step.source == "input" else SHOWN_CHANNELS):
        if step.source != "input":
            st.markdown(f"{step.source} channel {channel} adds **{step.by_channel[channel]:+.3f}**")
        _times_table(step.window[channel], step.kernel[channel], step.inside)
    if step.source != "input":
        _channel_shares(step)
    st.markdown(_conv_sum_text(step, float(analysis.maps[step.layer][step.channel, step.row, step.col])))
    _slide(step, image, analysis)


def _times_table(window: np.ndarray, kernel: np.ndarray, inside: np.ndarray) -> None:
    """Window × kernel = products, each a grid of numbers on its colours."""
    columns = st.columns([1, 0.12, 1, 0.12, 1], vertical_alignment="center")
    bound = float(np.abs(kernel).max()) or 1.0
    products = window * kernel
    columns[0].markdown(_number_grid(window, viz.colourise(window, "gray", min(window.min(), 0), None), inside,
                                     "input window"), unsafe_allow_html=True)
    columns[1].markdown("### ×")
    columns[2].markdown(_number_grid(kernel, viz.colourise(kernel, "RdBu_r", -bound, bound), inside, "kernel"),
                        unsafe_allow_html=True)
    columns[3].markdown("### =")
    top = float(np.abs(products).max()) or 1.0
    columns[4].markdown(_number_grid(products, viz.colourise(products, "RdBu_r", -top, top), inside,
                                     f"products: {products.sum():+.3f} in all"), unsafe_allow_html=True)


def _number_grid(values: np.ndarray, colours: np.ndarray, inside: np.ndarray, caption: str,
                 marked: tuple[int, int] | None = None) -> str:
    """A (k, k) grid of numbers as SVG, each cell on its colour (k, k, 3); padding cells (not
    `inside`) grey, the `marked` cell outlined."""
    k, cell = len(values), 34
    cells = []
    for (r, c), v in np.ndenumerate(values):
        red, green, blue = (int(x) for x in colours[r, c])
        ink = "#000" if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else "#fff"
        fill = f"rgb({red},{green},{blue})" if inside[r, c] else "rgba(128,132,149,0.25)"
        cells.append(f'<rect x="{c * cell}" y="{r * cell}" width="{cell - 1}" height="{cell - 1}" fill="{fill}"/>'
                     f'<text x="{c * cell + cell / 2}" y="{r * cell + cell / 2 + 4}" text-anchor="middle" '
                     f'font-size="10" fill="{ink if inside[r, c] else "currentColor"}">{round(v, 2) + 0.0:.2f}</text>')
    if marked:
        cells.append(f'<rect x="{marked[1] * cell + 1.5}" y="{marked[0] * cell + 1.5}" width="{cell - 4}" '
                     f'height="{cell - 4}" fill="none" stroke="{charts.ACCENT}" stroke-width="3"/>')
    side, width = k * cell, max(k * cell, 7 * len(caption))  # room for the caption under a small grid
    return (f'<svg viewBox="0 0 {width} {side + 18}" width="{width}" role="img" aria-label="{caption}" '
            f'style="max-width: 100%; height: auto">{"".join(cells)}'
            f'<text x="0" y="{side + 14}" font-size="12" fill="currentColor" fill-opacity="0.7">{caption}</text>'
            f"</svg>")


def _channel_shares(step: ConvSum) -> None:
    """Every input channel's share of the sum, as bars: a few carry most of it."""
    rows = [{"channel": c, "adds": float(adds)} for c, adds in enumerate(step.by_channel)]
    chart = charts.filled(_share_bars, rows, title=f"What each {step.source} channel adds")
    st.vega_lite_chart(chart, width="stretch", key="draw_calc_shares")


def _share_bars(data) -> alt.Chart:
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("channel:O", title="channel", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("adds:Q", title="adds to the sum"),
        color=alt.when("datum.adds > 0").then(alt.value(charts.ACCENT)).otherwise(alt.value(charts.BLUE)),
        tooltip=[alt.Tooltip("channel:O"), alt.Tooltip("adds:Q", format="+.3f")]).properties(height=180)


def _conv_sum_text(step: ConvSum, shown: float) -> str:
    count = step.inside.sum() * len(step.window)
    parts = [f"sum of the {count} products {step.total:+.3f}", f"+ bias {step.bias:+.3f}"]
    if step.norm:
        parts.append(f"× batch norm's scale {step.norm[0]:.3f} + its shift {step.norm[1]:+.3f}")
    return _equation(parts, step.before_relu, step.value, shown, relu=True)


def _equation(parts: list[str], before: float, value: float, shown: float, relu: bool) -> str:
    """The sum written out, then the ReLU, then the value the network itself gave, to compare."""
    relu_text = f" → ReLU (negative becomes 0) → **{value:.3f}**" if relu else f" = **{value:.3f}**"
    return (f"{' '.join(parts)} = {before:+.3f}{relu_text}. The network's own value here: **{shown:.3f}** "
            f"{'✓' if abs(shown - value) <= 1e-4 * max(1.0, abs(value)) else '✗'}")


def _show_pool(step: PoolPick) -> None:
    block = step.layer[len("pool"):]
    r, c = step.winner
    st.markdown(f"**{step.layer}, channel {step.channel}, at ({step.row}, {step.col})** keeps the largest of the "
                f"2×2 values of conv{block} at rows {2 * step.row}–{2 * step.row + 1}, columns "
                f"{2 * step.col}–{2 * step.col + 1}: **{step.value:.3f}** (row {2 * step.row + r}, column "
                f"{2 * step.col + c}). The other three are dropped: the map halves, and a feature may move a "
                f"pixel without changing it.")
    colours = viz.colourise(step.window, "magma", 0.0, max(step.value, 1e-6))
    st.markdown(_number_grid(step.window, colours, np.ones((2, 2), bool), "the 2×2 window", marked=(r, c)),
                unsafe_allow_html=True)


def _show_dense(step: DenseSum, analysis: cnn.Analysis) -> None:
    n = len(step.inputs)
    what = f"digit {step.unit}'s logit" if step.layer == "logits" else f"fc1 unit {step.unit}"
    st.markdown(f"**{what}** adds up all {n:,} values of {step.source}, each times its own weight. "
                f"The {SHOWN_INPUTS} that moved it most:")
    top = step.strongest(SHOWN_INPUTS)
    data = pd.DataFrame({"input": [step.input_name(i) for i in top], "value": step.inputs[top],
                         "weight": step.weights[top], "adds": step.products[top]})
    st.vega_lite_chart(charts.filled(_input_bars, data.to_dict("records")), width="stretch", key="draw_calc_inputs")
    rest = float(step.products.sum() - step.products[top].sum())
    parts = [f"these {SHOWN_INPUTS} {step.products[top].sum():+.3f}", f"+ the other {n - SHOWN_INPUTS:,} {rest:+.3f}",
             f"+ bias {step.bias:+.3f}"]
    shown = float(analysis.maps[step.layer][step.unit, 0, 0])
    st.markdown(_equation(parts, step.before_relu, step.value, shown, relu=step.relu))


def _input_bars(data) -> alt.Chart:
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("input:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=240)),
        x=alt.X("adds:Q", title="value × weight"),
        color=alt.when("datum.adds > 0").then(alt.value(charts.ACCENT)).otherwise(alt.value(charts.BLUE)),
        tooltip=[alt.Tooltip("input:N"), alt.Tooltip("value:Q", format=".3f"), alt.Tooltip("weight:Q", format="+.4f"),
                 alt.Tooltip("adds:Q", format="+.3f")]).properties(height=26 * SHOWN_INPUTS)


def _slide(step: ConvSum, image: np.ndarray, analysis: cnn.Analysis) -> None:
    """Play: the kernel slides over the input row by row and the map fills in behind it."""
    st.markdown("**Watch it slide**: the same kernel, at every position in turn, makes the whole map.")
    speed_col, play_col = st.columns([3, 1], vertical_alignment="bottom")
    speed = speed_col.select_slider("Positions a second", SPEEDS, value=50, key="draw_calc_speed")
    plays = st.session_state.get("draw_calc_plays", 0)
    if play_col.button("Play", icon=":material/play_arrow:", key="draw_calc_play"):
        st.session_state["draw_calc_plays"] = plays = plays + 1
    if not plays:
        return
    if step.source == "input":
        source, shown = image, "your drawing"  # (28, 28) in [0, 1]
    else:  # one of the many maps it reads: the one that adds most at the chosen position
        channel = int(step.strongest(1)[0])
        source = analysis.maps[step.source][channel]
        source, shown = source / max(float(source.max()), 1e-6), f"{step.source} channel {channel}"
    layer_top = max(float(analysis.maps[step.layer].max()), 1e-6)  # the map keeps its layer's colour scale
    slide = Slide(viz.grey_rgb(source), viz.colourise(analysis.maps[step.layer][step.channel], "magma", 0.0,
                                                      layer_top), step.kernel.shape[-1], speed, plays)
    st.markdown(slide_svg(slide), unsafe_allow_html=True)
    st.caption(f"Left: {shown}, with the kernel's window (red); the dashed edge is the zero padding. Right: "
               f"{step.layer} channel {step.channel} filling in, one value per position ({speed} a second).")
