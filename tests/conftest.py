"""Shared fixtures: a small slice of real MNIST committed with the tests, so they run offline, and the app."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import cnn
from cnn.data import Split
from support.browser import CHROMIUM_FLAGS, app_on_fixture, chromium_or_skip
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


@pytest.fixture(scope="session")
def server_home(tmp_path_factory) -> Path:
    """The folder of `server`: its runs folder is runs/ in it, its log server.log."""
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="session")
def server(server_home):
    """The real app on a free port, with the fixture's MNIST and a runs folder that starts empty, for the
    browser tests (one server: each new one spends seconds importing PyTorch and warming up); they fail if
    the server logged a traceback."""
    chromium_or_skip()
    with app_on_fixture(server_home) as url:
        yield url


@pytest.fixture(scope="module")
def playwright():
    """Playwright itself, for its device profiles (p.devices): only one may run at a time in a thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    """Headless Chromium (the system's: `playwright install` downloads, which cannot work offline)."""
    b = playwright.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
    yield b
    b.close()
