"""The Network section of the Train page: design the network (conv blocks, channels, kernel,
dense layer, dropout, batch normalisation) and see what it costs before it trains: parameters,
FLOPs, each layer's output shape, and the time an epoch would take on this server."""
from __future__ import annotations

import streamlit as st

from cnn import design
from cnn.errors import ConfigError
from cnn.hardware import precision_name, resolve_device, resolve_precision
from cnn.job import TrainingJob
from cnn.model import KERNELS, MAX_BLOCKS, ModelConfig
from cnn.runs import RunInfo, read_record
from ui.train_view import duration

TUTORIAL = ModelConfig()
CHANNELS = (4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256)
DENSE = (0, 16, 32, 64, 128, 256, 512, 1024, 2048)
BLOCK_CHANNELS = (32, 64, 128)  # each block's first offer: the tutorial's two, then doubling again
OPEN = "train_net_open"  # the expander's own state: whether it is open
# Each widget's value for the tutorial network, by the name its key ends with (train_net_<name>).
DEFAULTS = {"blocks": len(TUTORIAL.channels), **{f"channels_{i}": c for i, c in enumerate(BLOCK_CHANNELS, 1)},
            "kernel": TUTORIAL.kernel_size, "dense": TUTORIAL.dense, "dropout": TUTORIAL.dropout,
            "batchnorm": TUTORIAL.batchnorm}


def describe(config: ModelConfig) -> str:
    """One line, e.g. "conv 32, 64 · 5×5 · dense 1024 · dropout 0.4"."""
    k = config.kernel_size
    parts = [f"conv {', '.join(map(str, config.channels))}", f"{k}×{k}",
             f"dense {config.dense}" if config.dense else "no dense layer",
             f"dropout {config.dropout:g}" if config.dropout else "no dropout"]
    return " · ".join(parts + (["batch norm"] if config.batchnorm else []))


def designer(batch_size: int, precision: str, job: TrainingJob | None) -> ModelConfig | None:
    """The Network expander: the network's settings and what they cost. Returns the network to
    train, or None, having said why, when it cannot train here at `batch_size`."""
    _settings_kept()
    running = bool(job and job.running)
    network, problem = _chosen_and_problem(batch_size)
    # A new title is a new expander to Streamlit, which opens as `expanded` says: pass the state it had.
    with st.expander(_title(network), expanded=bool(st.session_state.get(OPEN)), key=OPEN,
                     on_change="rerun") as section:
        if running:
            st.caption(f"The run in progress trains {describe(job.config.network)}.")
        _settings(disabled=running)
        if network is not None:
            _summary(network)  # also for a network too big to train here: the table says where its cost is
        if problem is None and section.open:  # the estimate may measure this server's speed: only if looked at
            _estimate(network, precision, job)
    if problem is not None:
        st.error(problem)  # outside the expander: it says why Start is off even when the section is closed
        return None
    return network


def saved_network(run: RunInfo) -> None:
    """The network a saved run trained, in one line; runs from before networks could be designed
    trained the tutorial's."""
    try:
        network = ModelConfig.from_dict(read_record(run.folder).config.get("network") or {})
    except (OSError, ValueError, TypeError):  # train_view.saved_run says what is wrong with the record
        return
    st.caption(f"Network: {describe(network)}")


def fill(network: ModelConfig) -> None:
    """Set the settings to `network` (e.g. from a link). Raises ConfigError for channels or dense
    units the sliders do not offer."""
    offered = set(CHANNELS) >= set(network.channels) and network.dense in DENSE
    if not offered:
        raise ConfigError(f"channels must be among {', '.join(map(str, CHANNELS))} and dense units among "
                          f"{', '.join(map(str, DENSE))}")
    _tutorial_settings()
    st.session_state[_key("blocks")] = len(network.channels)
    for i, channels in enumerate(network.channels, 1):
        st.session_state[_key(f"channels_{i}")] = channels
    for name, value in (("kernel", network.kernel_size), ("dense", network.dense), ("dropout", network.dropout),
                        ("batchnorm", network.batchnorm)):
        st.session_state[_key(name)] = value


def _key(name: str) -> str:
    return f"train_net_{name}"


def _setting(name: str):
    return st.session_state[_key(name)]


def _tutorial_settings() -> None:
    """Set the widgets to the tutorial network (the reset button). Set in session state rather than as
    each widget's `value`, so the title, which is drawn before the widgets, can read them."""
    for name, value in DEFAULTS.items():
        st.session_state[_key(name)] = value


def _settings_kept() -> None:
    """Give each setting its last value where it has none: the tutorial's at first, and again after a rerun in
    which the browser sent a segmented control's value as None (rarely, on a server's first page, soon after
    it loaded: the page raised)."""
    for name, value in DEFAULTS.items():
        if st.session_state.get(_key(name)) is None:
            st.session_state[_key(name)] = st.session_state.get(_last(name), value)
        st.session_state[_last(name)] = st.session_state[_key(name)]


def _last(name: str) -> str:
    return f"train_net_last_{name}"


def _chosen_and_problem(batch_size: int) -> tuple[ModelConfig | None, str | None]:
    """The network the settings describe (None if they describe none), and why it cannot train
    here (None if it can)."""
    try:
        network = _chosen()
    except ConfigError as e:
        return None, str(e)
    try:
        design.check_fits(network, batch_size)
    except ConfigError as e:
        return network, str(e)
    return network, None


def _chosen() -> ModelConfig:
    """The network the settings describe. Raises ConfigError."""
    blocks = _setting("blocks")
    # The slider's steps are sums of floats (0.15000000000000002): round them to what it shows.
    return ModelConfig(channels=tuple(_setting(f"channels_{i}") for i in range(1, blocks + 1)),
                       kernel_size=_setting("kernel"), dense=_setting("dense"), dropout=round(_setting("dropout"), 2),
                       batchnorm=_setting("batchnorm"))


def _title(network: ModelConfig | None) -> str:
    if network is None:
        return "Network: custom (settings to change)"
    size = f"{_short(design.parameter_count(network))} parameters"
    return f"Network: tutorial ({size})" if network == TUTORIAL else f"Network: custom ({size}) · {describe(network)}"


def _settings(disabled: bool) -> None:
    left, middle, right = st.columns(3)
    blocks = left.segmented_control("Conv blocks", range(1, MAX_BLOCKS + 1), required=True, key=_key("blocks"),
                                    disabled=disabled, help="Each block: a convolution, ReLU, and a 2×2 max-pool "
                                                            "that halves the maps' side (28, 14, 7, 3).")
    left.segmented_control("Kernel size", KERNELS, required=True, format_func=lambda k: f"{k}×{k}", key=_key("kernel"),
                           disabled=disabled, help="The side of each convolution's filters.")
    for i in range(1, blocks + 1):
        middle.select_slider(f"Block {i} channels", CHANNELS, key=_key(f"channels_{i}"), disabled=disabled,
                             help="Filters in the block's convolution: the first block's are the most costly, "
                                  "since its maps are the largest.")
    right.select_slider("Dense units", DENSE, format_func=lambda n: str(n) if n else "none", key=_key("dense"),
                        disabled=disabled, help="The hidden dense layer before the logits (none: the last maps "
                                                "go straight to the logits).")
    right.slider("Dropout", 0.0, 0.8, step=0.05, key=_key("dropout"), disabled=disabled,
                 help="The share of the last hidden values dropped at random while training.")
    right.toggle("Batch normalisation", key=_key("batchnorm"), disabled=disabled,
                 help="Normalise each convolution's output: often trains faster at high learning rates.")
    left.button("Reset to the tutorial network", key=_key("reset"), on_click=_tutorial_settings, disabled=disabled)


def _summary(network: ModelConfig) -> None:
    st.markdown(f"**{design.parameter_count(network):,} parameters** · "
                f"**{_flops(design.training_flops(network))}** per training image (forward and backward)")
    st.markdown(_layer_table(network))


def _layer_table(network: ModelConfig) -> str:
    lines = ["| layer | what | output | parameters |", "| --- | --- | --- | ---: |",
             "| input | image | 1 × 28 × 28 | |"]
    lines += [f"| {r.name} | {r.what} | {' × '.join(map(str, r.shape))} | {r.parameters:,} |"
              for r in design.layer_table(network)]
    return "\n".join(lines)


def _estimate(network: ModelConfig, precision: str, job: TrainingJob | None) -> None:
    found = _training_speed(precision, job)
    if found is None:
        st.caption("The time an epoch would take appears once the run in progress reports its speed.")
        return
    speed, source = found
    st.markdown(f"About **{duration(speed.epoch_seconds(network))} per epoch** here ({source}).")


def _training_speed(precision: str, job: TrainingJob | None) -> tuple[design.Speed, str] | None:
    """This server's training speed, and where it comes from: the run in progress while there is one
    (a measurement beside it would compete for the cores, and slow it), else a short measurement,
    once per server. None until the run in progress has measured its speed."""
    if job and job.running:
        metrics = job.snapshot().metrics
        if not metrics.images_per_sec:
            return None
        # One network's speed cannot split a fixed cost from the FLOPs: count it all as FLOPs.
        rate = metrics.images_per_sec * design.training_flops(job.config.network)
        return design.Speed(0.0, rate), f"measured on the run in progress: {_flops(rate)}/s in {metrics.precision}"
    speed = _measured_speed(precision)
    where = precision_name(resolve_precision(precision, resolve_device()))
    return speed, (f"measured: {_flops(speed.flops_per_second)}/s in {where}, plus "
                   f"{speed.seconds_per_image * 1e6:.0f} µs per image whatever the network")


@st.cache_resource(show_spinner="Measuring how fast this server trains (a few seconds, once)...")
def _measured_speed(precision: str) -> design.Speed:
    return design.measured_speed(precision)


def _short(n: int) -> str:
    """e.g. 3.27M, 12.3k."""
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e3 else str(n)


def _flops(n: float) -> str:
    """e.g. 82.0 MFLOP, 136 GFLOP."""
    for unit, size in (("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6), ("kFLOP", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{n:.0f} FLOP"
