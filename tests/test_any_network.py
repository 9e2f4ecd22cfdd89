"""Every page with a network other than the tutorial's: three conv blocks of 8, 16 and 24 channels,
3x3 kernels, batch normalisation and no fc1, trained briefly and saved as a run."""
import re
import shutil
import time
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import cnn
from cnn.my_digits import MyDigits
from cnn.photo import photo_to_ink, read_photo
from cnn.train import train
from support.apptest import short_finetune, texts
from support.photos import photo_of
from support.samples import FIXTURE, stroke_canvas, tiny_train_config
from ui import pictures, state, viz

NETWORK = cnn.ModelConfig(channels=(8, 16, 24), kernel_size=3, dense=0, batchnorm=True)
RUN = "designed-20260101-000000"
APP = Path(__file__).resolve().parents[1] / "app.py"
STEPS = 20


@pytest.fixture(scope="module")
def designed(tmp_path_factory, mnist_small) -> Path:
    """A checkpoint of NETWORK trained STEPS steps on the fixture, so its answers differ from image to
    image; it keeps conv1's filter history as every run does."""
    out = tmp_path_factory.mktemp("designed") / "model.pt"
    train(tiny_train_config(network=NETWORK, max_steps=STEPS), out=out, data=mnist_small)
    return out


@pytest.fixture
def app(monkeypatch, tmp_path, designed):
    """The app, with the designed network saved as the only run."""
    run = tmp_path / "runs" / RUN
    run.mkdir(parents=True)
    shutil.copy(designed, run / "model.pt")
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    return at


@pytest.fixture(scope="module")
def model(designed) -> cnn.Net:
    return cnn.load_model(designed)


def choose_run(at, key: str) -> None:
    """Pick the designed run in the model picker `key`."""
    picker = at.selectbox(key=key)
    picker.select_index(next(i for i, label in enumerate(picker.options) if label.startswith(RUN))).run()
    assert not at.exception


def figures(at) -> list[str]:
    """The captions of the pictures shown inline (ui/pictures.py)."""
    return [c for e in at.markdown for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", e.value)]


def alt_texts(at) -> list[str]:
    return [unescape(a) for e in at.markdown for a in re.findall(r'<img [^>]*alt="([^"]*)"', e.value)]


def layer_figures(at) -> set[str]:
    """The captions of the feature-map pictures: "conv1 · 8 × 28 × 28" and the like."""
    return {f for f in figures(at) if re.match(r"(conv|pool|fc|logits)\d* · ", f)}


MAPS = {"conv1 · 8 × 28 × 28", "pool1 · 8 × 14 × 14", "conv2 · 16 × 14 × 14", "pool2 · 16 × 7 × 7",
        "conv3 · 24 × 7 × 7", "pool3 · 24 × 3 × 3"}  # and no fc1: this network has none


def drawing() -> np.ndarray:
    """A '7' as the canvas returns it: (280, 280, 4) RGBA, white strokes on opaque black."""
    grey = (stroke_canvas(box=(50, 70, 230, 210), width=20) * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def test_draw_shows_every_map_layer_of_the_designed_network_and_its_3x3_filters(app, model):
    app.switch_page("pages/2_Draw.py").run()
    choose_run(app, "draw_model")
    app.session_state["draw_image"] = drawing()
    app.run()
    assert not app.exception
    probs = cnn.classify(model, cnn.canvas_to_mnist(drawing()))
    assert f"Prediction: {probs.argmax()} ({probs.max():.1%})" in texts(app)  # the designed model's answer
    assert layer_figures(app) == MAPS
    assert "conv1 filters · 8 × 3 × 3 (red excites, blue inhibits)" in figures(app)
    assert "conv1's 8 filters (3×3)" in alt_texts(app)


def test_evaluate_scores_the_designed_network_and_opens_a_mistake_with_its_layers(app, model, mnist_small):
    _, test = mnist_small
    predicted = cnn.classify(model, test.images[:, 0].numpy()).argmax(1)
    app.switch_page("pages/3_Evaluate.py").run()
    choose_run(app, "eval_model")
    assert app.metric[0].label == "Test accuracy"
    assert app.metric[0].value == f"{(predicted == test.labels.numpy()).mean():.2%}"
    assert "#### Test image #" in texts(app) and layer_figures(app) == MAPS  # the surest mistake, opened


def test_photo_reads_a_photo_with_the_designed_network(app, model, mnist_small):
    _, test = mnist_small
    photo = photo_of(test.images[0, 0].numpy(), np.random.default_rng(0))
    probs = cnn.classify(model, cnn.prepare(photo_to_ink(read_photo(photo)).ink).image)
    app.switch_page("pages/5_Photo.py").run()
    choose_run(app, "photo_model")
    app.file_uploader(key="photo_upload").set_value(("digit.jpg", photo, "image/jpeg")).run()
    assert not app.exception
    assert f"Prediction: {probs.argmax()} ({probs.max():.1%})" in texts(app)


def test_train_shows_the_saved_run_filters_at_their_real_count_and_size(app):
    app.switch_page("pages/1_Train.py").run()
    assert not app.exception
    choose_run(app, "train_saved_run")
    slider = app.select_slider(key=f"train_saved_filters_{STEPS}")
    assert slider.value == STEPS and "conv1's 8 filters (3×3)" in slider.help
    assert f"conv1's 8 filters (3×3) at step {STEPS}" in alt_texts(app)
    assert "conv1's 8 filters (3×3) at step 0" in alt_texts(app)


def test_fine_tuning_the_designed_network_keeps_it(app, tmp_path, mnist_small, monkeypatch):
    short_finetune(monkeypatch)
    _, test = mnist_small
    mine = MyDigits(tmp_path / "runs")
    for image, label in zip(test.images[:25, 0].numpy(), test.labels[:25].tolist()):
        mine.add(image, label)
    app.switch_page("pages/4_My_digits.py").run()
    choose_run(app, "my_digits_start_from")
    app.button(key="my_digits_finetune").click().run()
    deadline = time.monotonic() + 300  # a hang guard: a busy machine starves the run (niceness 10)
    while "Saved as the run" not in texts(app):
        assert time.monotonic() < deadline, f"timed out; page says:\n{texts(app)}"
        time.sleep(0.5)
        app.run()
        assert not app.exception
    (tuned,) = (tmp_path / "runs").glob("finetune-*/model.pt")
    assert cnn.load_checkpoint(tuned).model.config == NETWORK
    # Draw's model for a run in progress is rebuilt from the run's latest weights and its config: the
    # designed network too (AppTest runs the app in this process, so the registry is this test's).
    assert state.load_choice(state.ModelChoice("Run in progress")).config == NETWORK


def test_fine_tuning_from_a_damaged_run_is_a_message(app, tmp_path, mnist_small):
    """The page reads the network to fine-tune from its checkpoint before the run starts."""
    _, test = mnist_small
    mine = MyDigits(tmp_path / "runs")
    for image, label in zip(test.images[:5, 0].numpy(), test.labels[:5].tolist()):
        mine.add(image, label)
    (tmp_path / "runs" / RUN / "model.pt").write_bytes(b"not a checkpoint at all")
    app.switch_page("pages/4_My_digits.py").run()
    choose_run(app, "my_digits_start_from")
    app.button(key="my_digits_finetune").click().run()
    assert not app.exception and "damaged or not a checkpoint" in texts(app)
    assert not list((tmp_path / "runs").glob("finetune-*"))


@pytest.mark.parametrize("count, side, shape", [
    (8, 3, (25, 186, 3)),  # one row of 8; 3x3 filters at 7x: 21 px tiles, 2 px apart
    (128, 7, (255, 278, 3)),  # over 64 filters: a square grid, 12 a row and 11 rows; 7x7 at 3x: 21 px tiles
    (1, 5, (24, 24, 3)),  # one filter: one tile, no empty ones beside it
])
def test_filter_grids_of_any_count_and_kernel_have_tiles_about_20_px(count, side, shape):
    weights = np.random.default_rng(0).normal(size=(count, 1, side, side))
    assert viz.filter_grid(weights).shape == shape


def test_feature_grids_have_tiles_about_56_px_whatever_the_map_size():
    for side in (28, 14, 7, 3):
        grid = viz.feature_grid(np.ones((16, side, side), np.float32))  # 8 a row, 2 rows
        tile = (grid.shape[1] - viz.GAP) / 8 - viz.GAP
        assert 54 <= tile <= 58 and grid.shape[0] == 2 * (tile + viz.GAP) + viz.GAP


def test_filter_words_say_the_real_count_and_kernel():
    assert pictures.filter_words(np.zeros((32, 1, 5, 5))) == "32 filters (5×5)"
    assert pictures.filter_words(np.zeros((1, 1, 7, 7))) == "1 filter (7×7)"
