"""One number, computed, on the Draw page (AppTest): the arithmetic it writes out ends at the value the
network itself gave, for every kind of layer; nothing is computed while the section is closed; the
slide plays at the speed chosen."""
import re

import altair as alt
import numpy as np
import pytest

import cnn
from cnn.checkpoint import save_checkpoint
from cnn.model import ModelConfig, Net
from support.apptest import drawing, open_tab, show_drawing, texts
from ui import compute_view
from ui.slide import Slide, slide_svg

# The end of the sum written out: its result (after the ReLU, if any), then the network's value, then ✓ or ✗.
EQUATION = re.compile(r"[→=] \*\*(-?[\d.]+)\*\*\. The network's own value here: \*\*(-?[\d.]+)\*\* ([✓✗])")


def open_calculator(app, layer: str):
    app.session_state["draw_calc_layer"] = layer
    return open_tab(app, "One number, computed")


def analysis():
    return cnn.analyze(cnn.load_model(), cnn.prepare(drawing()).image)


def test_its_tab_closed_it_computes_nothing(app):
    shown = show_drawing(app, drawing())
    assert "The network's own value here" not in shown
    assert "draw_calc_channel_conv1" not in app.session_state  # the first layer's picker: never drawn


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_a_conv_value_is_worked_out_to_the_maps_own_at_the_strongest_place_and_any_other(app, layer):
    show_drawing(app, drawing())
    shown = open_calculator(app, layer)
    maps = analysis().maps[layer]
    channel, row, col = np.unravel_index(maps.argmax(), maps.shape)  # the default: where the layer fired most
    assert f"**{layer}, channel {channel}, at ({row}, {col})**" in shown
    value, network, mark = EQUATION.search(shown).groups()
    assert mark == "✓" and value == network == f"{maps[channel, row, col]:.3f}"

    app.slider(key=f"draw_calc_channel_{layer}").set_value(3).run()
    app.slider(key=f"draw_calc_row_{layer}").set_value(0).run()
    shown = texts(app)
    assert f"**{layer}, channel 3, at (0, {col})**" in shown
    assert EQUATION.search(shown).group(2) == f"{maps[3, 0, col]:.3f}"
    if layer == "conv2":  # the 32 pool1 maps it reads: the three that add most, and every channel's bar
        assert shown.count("pool1 channel") >= 3 and len(app.get("vega_lite_chart")) >= 3


def test_a_pool_value_is_the_largest_of_its_window(app):
    show_drawing(app, drawing())
    shown = open_calculator(app, "pool2")
    maps = analysis().maps
    channel, row, col = np.unravel_index(maps["pool2"].argmax(), maps["pool2"].shape)
    window = maps["conv2"][channel, 2 * row:2 * row + 2, 2 * col:2 * col + 2]
    assert f"keeps the largest of the 2×2 values of conv2 at rows {2 * row}–{2 * row + 1}" in shown
    assert f"**{window.max():.3f}**" in shown


@pytest.mark.parametrize("layer", ["fc1", "logits"])
def test_a_dense_value_adds_up_its_inputs(app, layer):
    show_drawing(app, drawing())
    shown = open_calculator(app, layer)
    values = analysis().maps[layer][:, 0, 0]
    value, network, mark = EQUATION.search(shown).groups()
    assert mark == "✓" and value == network == f"{values.max():.3f}"
    assert ("digit 7's logit" if layer == "logits" else f"fc1 unit {values.argmax()}") in shown


def test_play_slides_the_kernel_at_the_speed_chosen(app):
    show_drawing(app, drawing())
    open_calculator(app, "conv2")
    assert "<svg id=\"slide" not in texts(app)
    app.select_slider(key="draw_calc_speed").set_value(25)
    app.button(key="draw_calc_play").click().run()
    svg = next(m.value for m in app.markdown if m.value.startswith('<svg id="slide1"'))
    assert "steps(14, jump-none) 14 forwards" in svg and "slide1-rows 7.840s" in svg  # 196 positions at 25/s
    app.button(key="draw_calc_play").click().run()  # again: a new element, so the browser replays it
    assert any(m.value.startswith('<svg id="slide2"') for m in app.markdown)


@pytest.mark.parametrize("n, kernel", [(28, 5), (14, 3), (7, 7)])
def test_the_slide_ends_on_the_last_position_with_the_window_the_kernels_size(n, kernel):
    picture = np.zeros((n, n, 3), np.uint8)
    svg = slide_svg(Slide(picture, picture, kernel, per_second=n))  # a row a second
    cell = 252 / n
    assert f"slide0-rows {n:.3f}s steps({n}, jump-none) forwards" in svg
    assert f"slide0-cols 1.000s steps({n}, jump-none) {n} forwards" in svg
    assert svg.count(f"translateY({(n - 1) * cell:.2f}px)") == 1  # the last row, not past it
    assert f'width="{kernel * cell - 2:.1f}"' in svg  # the window: kernel x kernel cells


def test_switching_to_a_smaller_network_keeps_every_picker_in_range(app, tmp_path):
    save_checkpoint(tmp_path / "runs" / "small-20260101-000000" / "model.pt",
                    Net(ModelConfig((4,), 3, dense=0)).eval())
    show_drawing(app, drawing())
    open_calculator(app, "conv1")
    app.slider(key="draw_calc_channel_conv1").set_value(31).run()
    app.selectbox(key="draw_model").select_index(1).run()  # the 1-block network: 4 channels
    assert not app.exception and app.slider(key="draw_calc_channel_conv1").value == 3  # the last there is
    assert "**conv1, channel 3," in texts(app)

    app.selectbox(key="draw_model").select_index(0).run()  # the tutorial network again
    open_tab(app, "What each filter looks for")
    app.segmented_control(key="draw_filters_layer").set_value("conv1").run()
    app.slider(key="draw_filters_channel_conv1").set_value(31).run()
    app.selectbox(key="draw_model").select_index(1).run()
    assert not app.exception and app.slider(key="draw_filters_channel_conv1").value == 3


def test_the_map_is_a_valid_spec_shaded_on_its_layers_scale_with_the_chosen_cell_outlined():
    values = np.arange(16, dtype=np.float32).reshape(4, 4)
    chart = compute_view._map_chart(values, top=30.0, chosen=(1, 2), title="conv2 channel 5")
    alt.LayerChart.from_dict(chart)  # valid Vega-Lite, its data included: raises if not
    cells = chart["data"]["values"]
    assert chart["title"] == "conv2 channel 5" and chart["width"] == {"step": compute_view.MAP_SIDE // 4}
    assert [c["shade"] for c in cells] == pytest.approx(values.ravel() / 30)  # the layer's brightest is 1
    assert [(c["row"], c["col"]) for c in cells if c["chosen"]] == [(1, 2)]
