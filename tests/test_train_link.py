"""The Train page's settings in its address: a shared link fills the page, the page writes its
settings back, and a saved run links to Train with its own settings."""
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from cnn.errors import ConfigError
from cnn.model import ModelConfig
from cnn.record import RunRecord, Status
from cnn.runs import write_record
from cnn.train import make_config
from support.apptest import texts
from support.samples import FIXTURE
from ui.train_link import address, config_from

APP = Path(__file__).resolve().parents[1] / "app.py"
DESIGNED = make_config("tutorial", lr=0.05, batch_size=100, epochs=3, augment=True, seed=7, precision="fp32",
                       network=ModelConfig(channels=(16, 32), kernel_size=3, dense=128, dropout=0.25,
                                           batchnorm=True))


def test_an_address_says_every_setting_the_page_offers_and_reads_back_the_same():
    params = address(DESIGNED)
    assert params["net"] == "16,32" and params["bn"] == "1" and params["lr"] == "0.05"
    assert config_from(params) == DESIGNED
    assert config_from({"preset": "best"}) == make_config("best")  # what a link leaves out is the preset's


@pytest.mark.parametrize("params, says", [
    ({"lr": "fast"}, "could not convert"), ({"kernel": "4"}, "kernel size"), ({"preset": "quick"}, "unknown preset"),
    ({"net": "8,x"}, "invalid literal"), ({"lr": "-1"}, "learning rate"),
])
def test_an_address_that_cannot_be_used_says_why(params, says):
    with pytest.raises(ConfigError, match=says):
        config_from(params)


@pytest.fixture
def train_page(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    return AppTest.from_file(str(APP), default_timeout=60)


def open_train(at, params: dict) -> AppTest:
    at.run()
    at.query_params.update(params)
    at.switch_page("pages/1_Train.py").run()
    assert not at.exception
    return at


def test_a_shared_link_fills_the_train_page_and_the_page_keeps_its_address_up_to_date(train_page):
    at = open_train(train_page, address(DESIGNED))
    assert at.radio(key="train_preset").value == "tutorial"
    assert at.number_input(key="train_lr_tutorial").value == 0.05
    assert at.select_slider(key="train_batch_tutorial").value == 100
    assert at.toggle(key="train_augment_tutorial").value and at.selectbox(key="train_precision").value == "fp32"
    assert at.select_slider(key="train_net_channels_2").value == 32 and at.toggle(key="train_net_batchnorm").value
    assert "Network: custom" in at.expander[1].label and "conv 16, 32 · 3×3 · dense 128" in at.expander[1].label
    assert "Session State API" not in texts(at)  # no widget given a value both ways
    at.number_input(key="train_lr_tutorial").set_value(0.02).run()
    assert at.query_params["lr"] == "0.02" and at.query_params["net"] == "16,32"
    assert at.number_input(key="train_lr_tutorial").value == 0.02  # the page's own change is not undone


def test_an_address_the_page_wrote_before_coming_back_late_does_not_undo_a_change(train_page):
    at = open_train(train_page, {})
    earlier = dict(at.query_params)
    at.number_input(key="train_epochs_fast").set_value(50).run()
    assert at.query_params["epochs"] == "50"
    at.query_params.clear()
    at.query_params.update(earlier)  # as a browser sends it with a click that came before the newer address
    at.run()
    assert at.number_input(key="train_epochs_fast").value == 50 and at.query_params["epochs"] == "50"


def test_a_link_with_settings_the_page_cannot_offer_is_reported_and_ignored(train_page):
    at = open_train(train_page, {"preset": "fast", "batch": "77"})
    assert "were not used: batch size 77 is not one of" in texts(at)
    assert at.select_slider(key="train_batch_fast").value == 64  # the preset's


def test_a_saved_run_links_to_train_with_its_settings(train_page, tmp_path):
    write_record(tmp_path / "runs" / "designed-20260101-000000",
                 RunRecord("designed-20260101-000000", None, Status.FINISHED, config=DESIGNED.to_dict()))
    at = open_train(train_page, {})
    [link] = [e for e in at.get("page_link") if e.proto.label == "Train again with changes"]
    assert link.proto.page == "Train"
    linked = dict(parse_qsl(link.proto.query_string))
    assert config_from(linked) == DESIGNED
    at.query_params.clear()
    at.query_params.update(linked)  # followed within the session, after the page has written its own address
    at.run()
    assert at.radio(key="train_preset").value == "tutorial" and at.number_input(key="train_lr_tutorial").value == 0.05
    assert at.select_slider(key="train_net_channels_2").value == 32 and "again" not in at.query_params
