"""The training curves as SVG: scales, ticks, thinning, tooltips, and odd values."""
import re
import xml.etree.ElementTree as ET

import altair as alt
import numpy as np
import pandas as pd
import pytest

from cnn.record import Eval
from ui import charts
from ui.svg import LEFT, MAX_POINTS, RIGHT, WIDTH, Axis, Line, _nice_step, line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


@pytest.mark.parametrize("rough, nice", [(0.17, 0.2), (0.02, 0.02), (23, 50), (400, 500), (1, 1)])
def test_nice_steps_are_one_two_or_five_times_a_power_of_ten(rough, nice):
    assert _nice_step(rough) == pytest.approx(nice)


def test_a_log_axis_ticks_each_decade_and_places_them_evenly():
    axis = Axis("loss", 0.01, 10, log=True)
    assert axis.ticks() == pytest.approx([0.01, 0.1, 1, 10])
    assert axis.position(np.array([0.01, 0.1, 1, 10]), 0, 300) == pytest.approx([0, 100, 200, 300])


def test_a_percent_axis_labels_whole_percents_without_decimals():
    axis = Axis("accuracy", 0.6, 1.0, percent=True)
    assert [axis.label(t) for t in axis.ticks()] == ["60%", "70%", "80%", "90%", "100%"]


def test_long_lines_are_thinned_and_dots_carry_their_value_on_hover():
    x = np.arange(10_000)
    svg = line_chart("A <chart>", [Line("train & test", x, np.linspace(0.5, 1, len(x)), "#000"),
                                   Line("test", np.array([100, 200]), np.array([0.9, 0.95]), "#f00", dots=True,
                                        tip="step {x:.0f}: {y:.1%}")],
                     Axis("step", 0, 10_000), Axis("accuracy", 0.5, 1.0, percent=True))
    root = parse(svg)
    assert root.get("aria-label") == "A <chart>"
    first, second = root.findall(".//svg:polyline", NS)
    assert MAX_POINTS <= len(first.get("points").split()) <= MAX_POINTS + 1
    assert len(second.get("points").split()) == 2
    assert [t.text for t in root.findall(".//svg:circle/svg:title", NS)] == ["step 100: 90.0%", "step 200: 95.0%"]
    assert "train &amp; test" in svg


def test_the_loss_chart_survives_values_a_log_scale_cannot_show():
    svg = charts.loss_chart([2.3, 0.0, float("inf"), 0.5, float("nan"), 0.05])
    points = parse(svg).findall(".//svg:polyline", NS)[0].get("points").split()
    assert len(points) == 3 and "nan" not in svg  # 2.3, 0.5 and 0.05


def test_the_accuracy_chart_shows_test_dots_per_kind_of_evaluation():
    evals = [Eval(10, 0.91, 0.3, False), Eval(20, 0.95, 0.2, False), Eval(30, 0.97, 0.1, True)]
    root = parse(charts.accuracy_chart([0.5] * 5 + [0.99] * 25, evals))
    assert len(root.findall(".//svg:polyline", NS)) == 3  # training, test subset, full test
    assert len(root.findall(".//svg:circle", NS)) == 3


def test_a_run_at_perfect_accuracy_still_gets_a_readable_axis():
    root = parse(charts.accuracy_chart([1.0] * 20, []))
    labels = [t.text for t in root.findall("svg:text", NS)]
    assert "90%" in labels and "100%" in labels


def test_no_tick_lies_past_the_end_of_the_axis():
    assert Axis("step", 0, 760).ticks() == pytest.approx([0, 200, 400, 600])


def test_the_probability_bars_highlight_the_winner_only():
    rows = charts.probability_chart(np.array([0.05, 0.05, 0.1, 0.6, 0.2, 0, 0, 0, 0, 0]))["data"]["values"]
    assert [row["digit"] for row in rows] == [str(d) for d in range(10)]  # in digit order, sort=None keeps it
    assert [d for d, row in enumerate(rows) if row["winner"]] == [3]


def test_each_drawings_bars_are_a_valid_spec_of_its_own_that_leaves_the_next_alone():
    first = charts.probability_chart(np.eye(10)[3])
    alt.LayerChart.from_dict(first)  # valid Vega-Lite, its data included: raises if not
    first["layer"][0]["mark"]["type"] = "line"  # as if Streamlit changed what it was given
    second = charts.probability_chart(np.eye(10)[7])
    assert second["layer"][0]["mark"]["type"] == "bar" and [r["winner"] for r in second["data"]["values"]][7]
    assert [r["probability"] for r in first["data"]["values"]] == np.eye(10)[3].tolist()


def test_the_heatmap_outlines_the_chosen_cell_and_counts_only_mistakes_as_mistakes():
    confusion = np.diag(np.full(10, 50))
    confusion[9, 4], confusion[2, 7] = 6, 1
    chart = charts.confusion_chart(confusion, chosen=(2, 7))
    alt.LayerChart.from_dict(chart)  # valid Vega-Lite, its data included
    data = pd.DataFrame(chart["data"]["values"])
    assert data.loc[data["chosen"], ["true", "predicted"]].to_numpy().tolist() == [[2, 7]]
    assert data["mistakes"].sum() == 7 and (data.loc[data["count"] == 0, "label"] == "").all()
    # white numbers from a third of the most mistakes (6): on the 6, not on the 1
    assert data.loc[data["dark"], ["true", "predicted"]].to_numpy().tolist() == [[9, 4]]
    assert chart["layer"][1]["encoding"]["color"]["condition"][0] == {"test": "datum.dark", "value": "white"}


def test_the_loss_chart_marks_each_learning_rate_change_where_it_happened():
    chart = charts.loss_chart([2.3] * 100, lr_changes=[(25, 0.0005), (75, 0.01)])
    parse(chart)
    marks = re.findall(r'<line x1="([\d.]+)" x2="\1" y1="\d+" y2="\d+" [^>]*stroke-dasharray', chart)
    assert [float(m) for m in marks] == pytest.approx([svg_x(25, 100), svg_x(75, 100)], abs=0.1)
    assert "lr 0.0005" in chart and "lr 0.01" in chart
    assert "stroke-dasharray" not in charts.loss_chart([2.3] * 100)


def svg_x(step: int, steps: int) -> float:
    """Where ui/svg.py puts `step` on a step axis from 0 to `steps`."""
    return LEFT + step / steps * (WIDTH - RIGHT - LEFT)


def test_a_long_legend_wraps_into_rows_and_the_chart_grows_to_keep_the_plot_its_size():
    names = [f"run-{i}-20261129-1015{i:02d}" for i in range(6)]
    lines = [Line(n, np.arange(1, 11), np.linspace(1, 0.1, 10), "#000") for n in names]
    one, six = (parse(line_chart("Loss", lines[:k], Axis("step", 0, 10), Axis("loss", 0, 1))) for k in (1, 6))
    ys = sorted({float(t.get("y")) for t in six.findall("svg:text", NS) if t.text in names})
    assert len(ys) > 1  # more than one row
    legend_right = max(float(t.get("x")) + 6.5 * len(t.text) for t in six.findall("svg:text", NS) if t.text in names)
    assert legend_right <= WIDTH  # nothing cut off at the right
    assert view_height(six) - view_height(one) == pytest.approx(18 * (len(ys) - 1))


def view_height(svg: ET.Element) -> float:
    return float(svg.get("viewBox").split()[3])
