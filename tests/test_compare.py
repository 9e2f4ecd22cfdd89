"""The Compare runs page through AppTest, on runs written straight to the runs folder (no training)."""
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnn.model import ModelConfig
from support.apptest import texts
from support.fake_runs import write_fake_run
from support.samples import FIXTURE
from ui.compare_view import DIFFERS, PALETTE
from ui.svg import HEIGHT

APP = Path(__file__).resolve().parents[1] / "app.py"
FAST, SMALL = "fast-20260101-000000", "small-20260102-000000"


@pytest.fixture
def runs(monkeypatch, tmp_path) -> Path:
    """Two saved runs that differ in optimizer, learning rate, network and speed, not in batch size or seed."""
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    root = tmp_path / "runs"
    write_fake_run(root, FAST, epochs=1, batch_size=64, images_per_sec=2_000.0)
    write_fake_run(root, SMALL, epochs=1, batch_size=64, optimizer="sgd", lr=0.05, images_per_sec=4_000.0,
                   network=ModelConfig(channels=(8, 16), kernel_size=3, dense=0))
    return root


def compare_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/6_Compare.py")
    at.query_params.update(query or {})
    at.run()
    assert not at.exception
    return at


def charts(at) -> dict[str, str]:
    """Each SVG chart on the page by its title."""
    return {m.group(1): e.value for e in at.markdown
            for m in [re.search(r'<svg [^>]*aria-label="([^"]+)"', e.value)] if m}


def legend(svg: str) -> dict[str, str]:
    """Name -> colour of each legend entry (ui/svg.py: a short line, then its name)."""
    return dict((name, colour) for colour, name in re.findall(r'stroke="([^"]+)" stroke-width="3"/><text[^>]*>([^<]+)<',
                                                               svg))


def x_title(svg: str) -> str:
    """The x axis title: the text centred on the chart's bottom line (ui/svg.py)."""
    return re.search(rf'y="{HEIGHT - 4}" text-anchor="middle"[^>]*>([^<]+)<', svg).group(1)


def table_lines(at) -> list[str]:
    """The settings table's Markdown lines (it sits in a box of its own that scrolls sideways)."""
    table = next(e.value for e in at.markdown if "| --- |" in e.value)
    return [line for line in table.splitlines() if line.startswith("|")]


def table_rows(at) -> dict[str, str]:
    """The settings table's rows: first cell -> the whole row."""
    return {row.split("|")[1].strip(): row for row in table_lines(at)[2:]}  # past the header and its rule


def choose(at, names: list[str]) -> None:
    at.multiselect(key="compare_runs").set_value(names).run()
    assert not at.exception


def test_two_runs_are_in_both_charts_each_in_one_colour_of_its_own(runs):
    at = compare_page()
    choose(at, [FAST, SMALL])
    shown = charts(at)
    assert set(shown) == {"Training loss", "Test accuracy"}
    loss, accuracy = legend(shown["Training loss"]), legend(shown["Test accuracy"])
    assert set(loss) == {FAST, SMALL} and loss == accuracy
    assert loss[FAST] != loss[SMALL] and set(loss.values()) <= set(PALETTE)
    header = table_lines(at)[0]
    assert f'color: {loss[FAST]}">●</span> {FAST}' in header and f'color: {loss[SMALL]}">●</span> {SMALL}' in header


def test_rows_that_differ_are_marked_and_equal_rows_are_not(runs):
    at = compare_page()
    choose(at, [FAST, SMALL])
    rows = table_rows(at)
    for label in ("optimizer", "learning rate", "network", "parameters", "images/s", "training time"):
        assert f"{DIFFERS} **{label}**" in rows, f"{label} differs but is not marked"
    for label in ("batch size", "epochs", "seed", "schedule", "augment", "precision"):
        assert label in rows and DIFFERS not in rows[label] and "**" not in rows[label]
    assert "conv 8, 16 · 3×3 · no dense layer" in rows[f"{DIFFERS} **network**"]
    assert "rows in bold differ" in texts(at).lower()


def test_the_axis_choice_changes_the_x_axis(runs):
    at = compare_page()
    choose(at, [FAST, SMALL])
    titles = {}
    for axis in ("steps", "images", "seconds"):
        at.radio(key="compare_x").set_value(axis).run()
        assert not at.exception and at.query_params["x"] == axis
        titles[axis] = x_title(charts(at)["Training loss"])
    assert titles == {"steps": "step", "images": "images seen", "seconds": "training seconds (from images/s)"}
    # 938 steps of 64 images: the runs end at 60,032 images, and at 30 s and 15 s (2,000 and 4,000 images/s).
    at.radio(key="compare_x").set_value("seconds").run()
    assert ">30<" in charts(at)["Training loss"]


def test_the_address_preselects_runs_and_axis_and_follows_the_choice(runs):
    at = compare_page({"runs": f"{SMALL},{FAST}", "x": "seconds"})
    assert at.multiselect(key="compare_runs").value == [SMALL, FAST]
    assert at.radio(key="compare_x").value == "seconds"
    assert set(legend(charts(at)["Test accuracy"])) == {FAST, SMALL}
    choose(at, [FAST])
    assert at.query_params["runs"] == FAST


def test_an_address_the_page_wrote_before_coming_back_late_does_not_undo_a_choice(runs):
    at = compare_page()
    choose(at, [FAST])
    earlier = dict(at.query_params)
    choose(at, [FAST, SMALL])
    at.query_params.clear()
    at.query_params.update(earlier)  # as a browser sends it with a change that came before the newer address
    at.run()
    assert at.multiselect(key="compare_runs").value == [FAST, SMALL] and at.query_params["runs"] == f"{FAST},{SMALL}"


def test_an_unknown_run_in_the_address_is_reported_not_a_crash(runs):
    at = compare_page({"runs": f"{FAST},gone-20250101-000000,{SMALL}"})
    assert "gone-20250101-000000" in texts(at) and "left out" in texts(at)
    assert at.multiselect(key="compare_runs").value == [FAST, SMALL]
    assert set(charts(at)) == {"Training loss", "Test accuracy"}


def test_fewer_than_two_runs_asks_for_two(runs):
    at = compare_page()
    assert "Pick at least two runs" in texts(at) and not charts(at)
    choose(at, [FAST])
    assert "Pick at least two runs" in texts(at) and not charts(at)


def test_an_unreadable_record_is_left_out_saying_which(runs):
    (runs / SMALL / "run.json").write_text("{not json")
    at = compare_page({"runs": f"{FAST},{SMALL}"})
    assert f"{SMALL} is left out" in texts(at) and "Pick at least two runs" in texts(at)
