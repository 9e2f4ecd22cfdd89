"""Shared fixtures: a small slice of real MNIST committed with the tests, so they run offline, and the app."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import cnn
from cnn.data import Split
from support.samples import FIXTURE

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 60  # seconds: torch imports slowly


@pytest.fixture(scope="session")
def mnist_small() -> tuple[Split, Split]:
    """(train, test): the first 2,000 MNIST training and 1,000 test images (tests/make_fixture.py)."""
    return cnn.load_split(True, FIXTURE), cnn.load_split(False, FIXTURE)


@pytest.fixture(scope="session")
def bundled_model() -> cnn.Net:
    return cnn.load_model()


@pytest.fixture
def app(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at
