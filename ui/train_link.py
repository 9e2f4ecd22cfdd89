"""The Train page's settings in its address, so that a setup can be shared as a link, and saved runs
can be trained again with changes (a link to Train with their settings).

    /Train?preset=tutorial&lr=0.05&batch=100&net=16,32&kernel=3&dense=128&bn=1

The page fills its widgets from an address it has not applied yet (a link opened, or "Train again with changes"
followed), and writes its current settings back into the address at every run (setting query parameters does
not rerun).
"""
from __future__ import annotations

import streamlit as st

from cnn.errors import ConfigError
from cnn.model import ModelConfig
from cnn.train import TrainConfig, make_config
from ui import network_view

BATCH_SIZES = [16, 32, 50, 64, 100, 128, 256, 512]  # the Train page's choices
APPLIED = "train_link_applied"  # session state: the address last applied or written
AGAIN = "again"  # in the address of "Train again with changes": a link followed within the session
# Address name -> TrainConfig setting, and how the setting reads from text.
SETTINGS = {"optimizer": ("optimizer", str), "lr": ("lr", float), "batch": ("batch_size", int),
            "epochs": ("epochs", int), "augment": ("augment", lambda v: v == "1"), "seed": ("seed", int),
            "precision": ("precision", str)}


def address(config: TrainConfig) -> dict[str, str]:
    """The query parameters that describe `config` (settings the page offers; the rest are the preset's)."""
    n = config.network
    return {"preset": config.preset, "optimizer": config.optimizer, "lr": f"{config.lr:g}",
            "batch": str(config.batch_size), "epochs": str(config.epochs), "augment": str(int(config.augment)),
            "seed": str(config.seed), "precision": config.precision, "net": ",".join(map(str, n.channels)),
            "kernel": str(n.kernel_size), "dense": str(n.dense), "dropout": f"{n.dropout:g}",
            "bn": str(int(n.batchnorm))}


def config_from(params: dict[str, str]) -> TrainConfig:
    """The TrainConfig an address describes; what it leaves out is the preset's (and the tutorial
    network's). Raises ConfigError saying what is wrong."""
    try:
        settings = {name: read(params[key]) for key, (name, read) in SETTINGS.items() if key in params}
        network = {"channels": [int(c) for c in params["net"].split(",")]} if "net" in params else {}
        network.update({name: read(params[key]) for key, name, read in (
            ("kernel", "kernel_size", int), ("dense", "dense", int), ("dropout", "dropout", float)) if key in params})
        if "bn" in params:
            network["batchnorm"] = params["bn"] == "1"
        return make_config(params.get("preset", "fast"), network=ModelConfig(**network), **settings)
    except ValueError as e:  # ConfigError included
        raise ConfigError(f"this link's settings cannot be used: {e}") from e


def follow_link() -> None:
    """If the address holds settings this session has not applied yet, set the Train page's widgets
    to them (before the widgets are drawn); say so when they cannot be used."""
    params, applied = st.query_params.to_dict(), st.session_state.get(APPLIED)
    if not params or params == applied:
        return
    # Within a session only a link marked AGAIN is a new address: any other is one this page wrote before, which a
    # browser sends back when the next change comes before the page's newer address (a quick click on Start after
    # changing the epochs started the old number of epochs, once in 8 tries).
    followed = params.pop(AGAIN, None) is not None  # "Train again with changes"; the marker is not a setting
    if applied is not None and not followed:
        return
    st.session_state[APPLIED] = params
    try:
        _fill(config_from(params))
    except ConfigError as e:
        st.warning(f"The settings in this page's address were not used: {e}")


def _fill(config: TrainConfig) -> None:
    """Set the widgets: the preset, its own settings' widgets (keys train_<setting>_<preset>) and the
    network's. Raises ConfigError for a value no widget offers."""
    if config.batch_size not in BATCH_SIZES:
        raise ConfigError(f"batch size {config.batch_size} is not one of {', '.join(map(str, BATCH_SIZES))}")
    if not 1 <= config.epochs <= 50:
        raise ConfigError(f"epochs must be from 1 to 50 here, got {config.epochs}")
    network_view.fill(config.network)
    st.session_state["train_preset"], st.session_state["train_precision"] = config.preset, config.precision
    st.session_state.update(_widget_values(config))


def preset_settings(preset: str) -> None:
    """Give the preset's own widgets its recipe where they have no value yet. Set in session state
    rather than as each widget's `value`: a widget given both warns on the page."""
    for key, value in _widget_values(make_config(preset)).items():
        st.session_state.setdefault(key, value)


def _widget_values(config: TrainConfig) -> dict:
    """The Advanced widgets' values for `config`, by key: train_<setting>_<preset>."""
    values = {"optimizer": config.optimizer, "lr": config.lr, "batch": config.batch_size, "epochs": config.epochs,
              "augment": config.augment, "seed": config.seed}
    return {f"train_{name}_{config.preset}": value for name, value in values.items()}


def remember(config: TrainConfig) -> None:
    """Write the page's settings into its address (and note them as applied: they came from the page)."""
    params = address(config)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[APPLIED] = params


def again_with_changes(config: dict) -> None:
    """A link that opens Train with a saved run's settings filled in, from its record's config."""
    try:
        params = address(TrainConfig.from_dict(config))
    except ConfigError:  # e.g. a record from a newer version: nothing to fill in from
        return
    st.page_link("pages/1_Train.py", label="Train again with changes", icon=":material/replay:",
                 query_params={**params, AGAIN: "1"},
                 help="Opens Train with this run's settings filled in, to change and start.")
