"""Safe out of the box: the server listens on this machine only and refuses big uploads."""
import tomllib
from pathlib import Path

from streamlit import config

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_the_server_listens_on_localhost_and_caps_uploads():
    server = tomllib.loads(CONFIG.read_text())["server"]
    assert server["address"] == "localhost"
    assert 0 < server["maxUploadSize"] <= 5  # MB
    options = config.get_config_options(force_reparse=True)  # reads ./.streamlit/config.toml
    assert "server.maxUploadSize" in options and "server.address" in options  # real options, not typos


def test_nothing_in_the_config_opens_the_server_up():
    text = CONFIG.read_text()
    assert "0.0.0.0" not in text.replace("--server.address 0.0.0.0", "")  # only in the comment saying how
    assert "enableCORS = false" not in text and "enableXsrfProtection = false" not in text
