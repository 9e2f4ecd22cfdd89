"""The Network section of the Train page through AppTest: designing a network, what it costs, refusing
what cannot train here, and training a designed network."""
import re
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

import cnn
from cnn import design
from cnn.model import ModelConfig, Net
from support.apptest import set_tiny_run, texts, wait_for
from support.samples import FIXTURE
from ui import network_view

TIMEOUT = 60  # torch imports slowly
APP = Path(__file__).resolve().parents[1] / "app.py"
TUTORIAL_SHAPES = ["32 × 28 × 28", "32 × 14 × 14", "64 × 14 × 14", "64 × 7 × 7", "1024", "10"]  # DESIGN.md's table
REAL_MEASURED_SPEED = design.measured_speed
# 1 GFLOP/s and 100 µs an image: 60,000 images × (100 µs + 82,049,024 FLOPs / 1e9) = 4,929 s an epoch for the
# tutorial network.
FAKE_SPEED = design.Speed(1e-4, 1e9)


@pytest.fixture
def train_page(monkeypatch, tmp_path):
    """The Train page on the small MNIST fixture, with a made-up speed unless a test measures the real one."""
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(design, "measured_speed", lambda precision="auto": FAKE_SPEED)
    network_view._measured_speed.clear()  # cached per server, and AppTest's server is this process
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/1_Train.py").run()
    assert not at.exception
    yield at
    network_view._measured_speed.clear()


def network_title(at) -> str:
    return next(e.label for e in at.expander if e.label.startswith("Network: "))


def shown_parameters(at) -> int:
    return int(re.search(r"\*\*([\d,]+) parameters\*\*", texts(at)).group(1).replace(",", ""))


def table_shapes(at) -> list[str]:
    """The output column of the layer table, input row left out."""
    table = next(e.value for e in at.markdown if e.value.startswith("| layer | what | output |"))
    return [row.split(" | ")[2] for row in table.splitlines()[3:]]


def design_network(at, channels=(32, 64), kernel=5, dense=1024, dropout=0.4, batchnorm=False) -> ModelConfig:
    """Set the Network widgets (block count first: it decides which channel sliders exist)."""
    at.segmented_control(key="train_net_blocks").set_value(len(channels)).run()
    for i, c in enumerate(channels, 1):
        at.select_slider(key=f"train_net_channels_{i}").set_value(c)
    at.segmented_control(key="train_net_kernel").set_value(kernel)
    at.select_slider(key="train_net_dense").set_value(dense)
    at.slider(key="train_net_dropout").set_value(dropout)
    at.toggle(key="train_net_batchnorm").set_value(batchnorm)
    at.run()
    assert not at.exception
    return ModelConfig(channels=channels, kernel_size=kernel, dense=dense, dropout=dropout, batchnorm=batchnorm)


def open_network(at) -> None:
    at.session_state["train_net_open"] = True
    at.run()
    assert not at.exception


def test_the_tutorial_network_is_preselected_with_its_parameters_flops_and_layer_table(train_page, monkeypatch):
    assert network_title(train_page) == "Network: tutorial (3.27M parameters)"
    assert shown_parameters(train_page) == 3_274_634
    assert "**82.0 MFLOP** per training image" in texts(train_page)
    assert table_shapes(train_page) == TUTORIAL_SHAPES
    assert "per epoch" not in texts(train_page)  # closed: no estimate, so no measurement of this server


NETWORKS = [
    dict(channels=(32,)),
    dict(channels=(16, 32, 64), kernel=3),
    dict(channels=(8, 16), kernel=7, dense=0),
    dict(channels=(256, 256, 256), dense=2048, batchnorm=True),
    dict(channels=(4,), kernel=3, dense=16, dropout=0.0, batchnorm=True),
]


@pytest.mark.parametrize("settings", NETWORKS, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_the_parameter_count_and_shapes_follow_the_settings(train_page, settings):
    config = design_network(train_page, **settings)
    model = Net(config)
    assert shown_parameters(train_page) == sum(p.numel() for p in model.parameters()) == design.parameter_count(config)
    outputs = model.forward_all(torch.zeros(1, 1, 28, 28)).values()
    assert table_shapes(train_page) == [" × ".join(map(str, a.shape[1:])) for a in outputs]
    title = network_title(train_page)
    assert title.startswith("Network: custom (") and title.endswith(f"parameters) · {network_view.describe(config)}")


def test_reset_brings_back_the_tutorial_network(train_page):
    design_network(train_page, channels=(8, 16, 32), kernel=3, dense=0, batchnorm=True)
    train_page.button(key="train_net_reset").click().run()
    assert network_title(train_page) == "Network: tutorial (3.27M parameters)"
    assert shown_parameters(train_page) == 3_274_634 and table_shapes(train_page) == TUTORIAL_SHAPES


def test_a_setting_the_browser_sends_as_none_keeps_its_last_value(train_page):
    config = design_network(train_page, channels=(8, 16, 32), kernel=3)
    for name in ("blocks", "kernel"):  # as the browser once sent a fresh page's segmented control
        train_page.session_state[f"train_net_{name}"] = None
    train_page.run()
    assert not train_page.exception
    assert network_title(train_page).endswith(network_view.describe(config))


def test_a_network_that_cannot_fit_is_refused_and_start_starts_nothing(train_page, monkeypatch, tmp_path):
    small, big = ModelConfig(channels=(4,), dense=0), ModelConfig(channels=(256,), dense=2048)
    room = 2 * design.training_memory(small, 64) / design.MEMORY_SHARE  # room for the small network at batch 64
    assert min(design.training_memory(c, 64) for c in (ModelConfig(), big)) > design.MEMORY_SHARE * room
    monkeypatch.setattr(design, "available_memory", lambda device=None: room)
    train_page.run()
    assert "This network needs about" in texts(train_page) and train_page.button(key="train_start").disabled
    design_network(train_page, channels=(4,), dense=0)
    assert "This network needs about" not in texts(train_page) and not train_page.button(key="train_start").disabled
    # A click that arrives with a change that makes the network too big (as a quick user's can) starts nothing.
    train_page.select_slider(key="train_net_channels_1").set_value(256)
    train_page.select_slider(key="train_net_dense").set_value(2048)
    train_page.button(key="train_start").click().run()
    assert not train_page.exception
    assert "This network needs about" in texts(train_page) and train_page.button(key="train_start").disabled
    assert "No run yet" in texts(train_page) and not (tmp_path / "runs").exists()


def test_the_estimate_says_the_time_per_epoch_at_the_measured_speed(train_page):
    open_network(train_page)
    assert "About **82 min 09 s per epoch** here (measured: 1.0 GFLOP/s in" in texts(train_page)
    assert "plus 100 µs per image whatever the network" in texts(train_page)
    design_network(train_page, channels=(8, 16), kernel=3, dense=0)  # 1,627,584 FLOPs an image: 97.7 s + 6 s
    assert "About **1 min 44 s per epoch** here (measured: 1.0 GFLOP/s in" in texts(train_page)


def test_the_estimate_measures_this_server_once_and_says_in_what(train_page, monkeypatch):
    calls = []

    def measured_speed(precision="auto"):
        calls.append(precision)
        return REAL_MEASURED_SPEED(precision)

    monkeypatch.setattr(design, "measured_speed", measured_speed)
    train_page.selectbox(key="train_precision").set_value("fp32")
    open_network(train_page)
    design_network(train_page, kernel=3)
    assert calls == ["fp32"]  # cached: the second run did not measure again
    found = re.search(r"About \*\*(.+) per epoch\*\* here \(measured: ([\d.]+) ([GMT])FLOP/s in float32, plus \d+ µs",
                      texts(train_page))
    assert found, texts(train_page)


def test_a_designed_network_trains_and_its_saved_run_says_which(train_page, tmp_path):
    config = design_network(train_page, channels=(8, 16), kernel=3, dense=0, batchnorm=True)
    set_tiny_run(train_page, epochs=1)
    train_page.button(key="train_start").click().run()
    wait_for(train_page, lambda at: "Finished." in texts(at))
    [saved] = (tmp_path / "runs").glob("*/model.pt")
    assert cnn.load_checkpoint(saved).model.config == config
    assert "Network: conv 8, 16 · 3×3 · no dense layer · dropout 0.4 · batch norm" in texts(train_page)


def test_while_a_run_trains_the_settings_are_off_and_the_estimate_uses_its_speed(train_page, monkeypatch):
    set_tiny_run(train_page, epochs=50)
    train_page.button(key="train_start").click().run()
    monkeypatch.setattr(design, "measured_speed", lambda precision="auto": pytest.fail("measured beside a run"))
    open_network(train_page)
    wait_for(train_page, lambda at: "measured on the run in progress" in texts(at))
    assert "The run in progress trains conv 32, 64 · 5×5 · dense 1024 · dropout 0.4." in texts(train_page)
    assert all(train_page.select_slider(key=k).disabled for k in ("train_net_channels_1", "train_net_dense"))
    assert train_page.toggle(key="train_net_batchnorm").disabled
    monkeypatch.setattr(design, "measured_speed", lambda precision="auto": FAKE_SPEED)  # once the run has ended
    train_page.button(key="train_stop").click().run()
    wait_for(train_page, lambda at: "Stopped." in texts(at))
    assert "(measured: 1.0 GFLOP/s in" in texts(train_page)
