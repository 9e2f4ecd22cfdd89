"""Safe out of the box: the server listens on this machine only and refuses uploads larger than a model."""
import tomllib
from pathlib import Path

from streamlit import config

from cnn.runs import MAX_MODEL_MB

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_the_server_listens_on_localhost_and_caps_uploads():
    server = tomllib.loads(CONFIG.read_text())["server"]
    assert server["address"] == "localhost"
    assert server["maxUploadSize"] == MAX_MODEL_MB  # MB: a model; the photo uploader keeps its own 2 MB
    options = config.get_config_options(force_reparse=True)  # reads ./.streamlit/config.toml
    assert "server.maxUploadSize" in options and "server.address" in options  # real options, not typos


def test_nothing_in_the_config_opens_the_server_up():
    text = CONFIG.read_text()
    assert "0.0.0.0" not in text.replace("--server.address 0.0.0.0", "")  # only in the comment saying how
    assert "enableCORS = false" not in text and "enableXsrfProtection = false" not in text
