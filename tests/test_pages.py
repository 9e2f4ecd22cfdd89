"""Every page through Streamlit's AppTest: headless, the real scripts, the real trainer."""
import re
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from bench import drawn_digits
from conftest import FIXTURE, stroke_canvas
from faults import full_disk, read_only

TIMEOUT = 60  # torch imports slowly
APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture
def app(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def texts(at) -> str:
    shown = [e.value for kind in ("markdown", "info", "warning", "error", "success", "caption")
             for e in at.get(kind) if isinstance(e.value, str) and not e.value.startswith("<svg")]
    return "\n".join(shown + [bar.proto.text for bar in at.get("progress")])


def svg_charts(at) -> list[str]:
    """The titles of the SVG charts on the page (ui/svg.py labels each <svg> with its title)."""
    return [m for e in at.markdown for m in re.findall(r'<svg [^>]*aria-label="([^"]+)"', e.value)]


def figures(at) -> list[str]:
    """The captions of the pictures shown inline (ui/pictures.py), in page order."""
    return [c for e in at.markdown for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", e.value)]


def drawing() -> np.ndarray:
    """A '7' as the canvas returns it: (280, 280, 4) RGBA, white strokes on opaque black."""
    grey = (stroke_canvas(box=(50, 70, 230, 210), width=20) * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def test_home_shows_the_network_and_the_active_model(app):
    assert "conv1: 32 filters" in texts(app)
    assert app.metric[0].value.endswith("%") and float(app.metric[0].value[:-1]) >= 99.5


def test_draw_with_nothing_drawn_shows_the_hint_and_no_prediction(app):
    app.switch_page("pages/2_Draw.py").run()
    assert not app.exception
    assert "Draw a digit on the black canvas" in texts(app) and "Prediction" not in texts(app)


def test_draw_shows_prediction_bars_and_feature_maps(app):
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    app.run()
    assert not app.exception
    assert "Prediction: 7 (" in texts(app)
    assert len(app.get("vega_lite_chart")) == 1  # the probability bars
    assert set(figures(app)[1:]) == {"conv1 · 32 × 28 × 28", "pool1 · 32 × 14 × 14", "conv2 · 64 × 14 × 14",
                                     "pool2 · 64 × 7 × 7", "conv1 filters · 32 × 5 × 5 (red excites, blue inhibits)"}
    assert figures(app)[0].startswith("28×28: cropped")


def rgba(ink: np.ndarray) -> np.ndarray:
    grey = (ink * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def show_drawing(app, image):
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = image
    app.run()
    assert not app.exception
    return texts(app)


def test_a_dot_gets_a_not_sure_note(app):
    ink = np.zeros((280, 280), np.float32)
    ink[130:145, 130:145] = 1
    shown = show_drawing(app, rgba(ink))
    assert "Prediction: " in shown and "Not sure" in shown and "fills its box" in shown


def test_a_scribble_gets_a_not_sure_note(app):
    shown = show_drawing(app, drawn_digits.scribbles(1, seed=5)[0])
    assert "Prediction: " in shown and "Not sure" in shown


def test_a_canvas_of_another_size_is_read_the_same(app):
    shown = show_drawing(app, rgba(stroke_canvas(size=500, box=(80, 120, 420, 380), width=36)))
    assert "Prediction: 7 (" in shown and "Not sure" not in shown


@pytest.mark.parametrize("image", [np.zeros((280, 280, 7), np.uint8), np.zeros((3,), np.uint8)],
                         ids=["7 channels", "1-D"])
def test_a_malformed_drawing_is_a_message_not_a_traceback(app, image):
    shown = show_drawing(app, image)
    assert "This drawing cannot be read" in shown and "Prediction" not in shown


def test_a_corrupt_saved_run_shows_its_error_and_the_page_keeps_working(app, tmp_path):
    bad = tmp_path / "runs" / "fast-20260101-000000"
    bad.mkdir(parents=True)
    (bad / "model.pt").write_bytes(b"not a checkpoint at all")
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    labels = app.selectbox(key="draw_model").options
    assert len(labels) == 2 and "fast-20260101-000000" in labels[1]
    app.selectbox(key="draw_model").set_value(app.selectbox(key="draw_model").value).run()
    app.selectbox(key="draw_model").select_index(1).run()
    assert not app.exception
    assert "cannot be used" in texts(app) and "damaged or not a checkpoint" in texts(app)
    app.selectbox(key="draw_model").select_index(0).run()
    assert "Prediction: 7 (" in texts(app) and "cannot be used" not in texts(app)


def wait_for(at, condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception
        if condition(at):
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out; page says:\n{texts(at)}")


def set_tiny_run(at, epochs):
    at.select_slider(key="train_batch_fast").set_value(512)  # 2,000 fixture images: 4 steps an epoch
    at.number_input(key="train_epochs_fast").set_value(epochs)


def test_train_runs_a_tiny_run_and_shows_its_charts(app):
    app.switch_page("pages/1_Train.py").run()
    assert "No run yet" in texts(app)
    set_tiny_run(app, epochs=2)
    app.button(key="train_start").click().run()
    wait_for(app, lambda at: "Finished." in texts(at))
    assert "Final test accuracy" in texts(app) and "Step 8 of 8" in texts(app)
    assert svg_charts(app) == ["Training loss", "Accuracy"] * 2  # the run's, and its record's under "Saved runs"
    assert any(c.startswith("conv1: the 32 filters (5×5) at step 8.") for c in figures(app))
    assert any("fast-" in o for o in app.selectbox(key="train_saved_run").options)  # saved under runs/


def test_train_stop_ends_the_run_as_stopped(app):
    app.switch_page("pages/1_Train.py").run()
    set_tiny_run(app, epochs=50)
    app.button(key="train_start").click().run()
    wait_for(app, lambda at: "images/s" in texts(at))
    assert app.button(key="train_start").disabled and not app.button(key="train_stop").disabled
    app.button(key="train_stop").click().run()
    wait_for(app, lambda at: "Stopped." in texts(at))
    assert not app.button(key="train_start").disabled


def test_draw_offers_the_run_in_progress_and_saved_runs(app):
    app.switch_page("pages/1_Train.py").run()
    set_tiny_run(app, epochs=50)
    app.button(key="train_start").click().run()
    # Past the first quick evaluation (every 20 of the 200 steps), which shares the weights.
    wait_for(app, lambda at: int(re.search(r"Step ([\d,]+) of", texts(at) + "Step 0 of").group(1)) > 25)
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    options = app.selectbox(key="draw_model").options
    live = [i for i, o in enumerate(options) if o.startswith("Run in progress")]
    assert len(live) == 1
    app.selectbox(key="draw_model").select_index(live[0]).run()
    assert not app.exception and "Prediction: " in texts(app)
    app.switch_page("pages/1_Train.py").run()
    app.button(key="train_stop").click().run()
    wait_for(app, lambda at: "Stopped." in texts(at))
    app.switch_page("pages/2_Draw.py").run()
    options = app.selectbox(key="draw_model").options
    assert not any(o.startswith("Run in progress") for o in options)
    assert any(re.match(r"fast-\d{8}-\d{6} · \d{4}-\d\d-\d\d \d\d:\d\d · \d+\.\d\d% · stopped", o) for o in options)


def draw_still_predicts(app):
    app.switch_page("pages/2_Draw.py").run()
    app.session_state["draw_image"] = drawing()
    app.run()
    assert not app.exception and "Prediction: 7 (" in texts(app)


def test_a_diverging_run_ends_as_diverged_and_the_app_goes_on(app):
    app.switch_page("pages/1_Train.py").run()
    set_tiny_run(app, epochs=3)
    app.selectbox(key="train_optimizer_fast").set_value("sgd")
    app.number_input(key="train_lr_fast").set_value(10.0)  # the page's maximum
    app.button(key="train_start").click().run()
    wait_for(app, lambda at: "Diverged." in texts(at))
    assert "learning rate is probably too high" in texts(app)
    draw_still_predicts(app)


def test_a_read_only_runs_folder_is_a_message_and_draw_goes_on(app, tmp_path):
    with read_only(tmp_path / "runs"):
        app.switch_page("pages/1_Train.py").run()
        app.button(key="train_start").click().run()
        assert not app.exception and "Cannot start a run" in texts(app) and "Read-only file system" in texts(app)
        draw_still_predicts(app)


def test_a_full_disk_stops_the_run_with_a_message_and_draw_goes_on(app, tmp_path):
    with full_disk(tmp_path / "runs"):
        app.switch_page("pages/1_Train.py").run()
        set_tiny_run(app, epochs=3)
        app.button(key="train_start").click().run()
        wait_for(app, lambda at: "Failed." in texts(at))
        assert "No space left on device" in texts(app)
        draw_still_predicts(app)
