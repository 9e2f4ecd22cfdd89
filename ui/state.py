"""Server-wide resources, cached with st.cache_resource: the training registry and models."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import torch

import cnn
from cnn.data import Split, data_root
from cnn.evaluate import Evaluation, evaluate_model
from cnn.filters import TopPatches, synthesise, top_patches
from cnn.job import Registry, model_from_weights
from cnn.runs import runs_root
from ui.layout import long_pass_threads, server_threads


def registry() -> Registry:
    """One per server (per runs folder): it outlives page switches and browser reloads, and
    owns the one run."""
    return _registry(str(runs_root().resolve()))


@st.cache_resource
def _registry(root: str) -> Registry:
    return Registry(root)


@st.cache_resource(max_entries=8)
def _checkpoint(path: str, modified: float, size: int) -> cnn.Checkpoint:
    """Keyed by modification time and size, so a rewritten checkpoint is loaded afresh."""
    return cnn.load_checkpoint(path)


def checkpoint(path: Path) -> cnn.Checkpoint:
    return _checkpoint(*_file_key(path))


def _file_key(path: Path) -> tuple[str, float, int]:
    """(path, modification time, size): what tells a rewritten checkpoint from the one cached."""
    stat = path.stat() if path.is_file() else None
    return str(path), stat.st_mtime if stat else 0.0, stat.st_size if stat else 0


@st.cache_resource(max_entries=2)
def _live_model(name: str, version: int, _weights: dict, _network: cnn.ModelConfig) -> cnn.Net:
    return model_from_weights(_weights, _network)


@dataclass(frozen=True)
class ModelChoice:
    label: str
    path: Path | None = None  # a checkpoint, or None for the run in progress
    error: str | None = None  # known to be unreadable before loading


BUNDLED_LABEL = "Bundled model"


def model_choices(include_live: bool = True) -> list[ModelChoice]:
    """The bundled model, the run in progress (if any, and wanted), then every saved run, newest first."""
    bundled = cnn.BUNDLED_MODEL
    try:
        acc = checkpoint(bundled).metrics.get("test_acc")
        choices = [ModelChoice(f"{BUNDLED_LABEL} · {acc:.2%}", bundled)]
    except cnn.CheckpointError as e:
        choices = [ModelChoice(BUNDLED_LABEL, bundled, str(e))]
    job = registry().current
    live = job.name if job and job.running else None
    if live and include_live:
        s = job.snapshot()
        choices.append(ModelChoice(f"Run in progress: {live} · step {s.metrics.steps:,} of {s.total_steps:,}"))
    choices += [ModelChoice(r.label, r.checkpoint) for r in registry().runs() if r.name != live and r.has_checkpoint]
    return choices


def load_choice(choice: ModelChoice) -> cnn.Net:
    """The chosen model, in eval mode. Raises cnn.CheckpointError, or cnn.NoWeightsYetError when
    the run in progress has not shared its weights yet."""
    if choice.path is not None:
        return checkpoint(choice.path).model
    job = registry().current
    version, weights = job.latest_weights()
    return _live_model(job.name, version, weights, job.config.network)


@st.cache_resource(max_entries=4, show_spinner=False)
def _evaluation(path: str, modified: float, size: int, data: str) -> Evaluation:
    with _long_pass():
        return evaluate_model(checkpoint(Path(path)).model, test_split())


def evaluation(path: Path) -> Evaluation:
    """The checkpoint's model on the whole test set, computed once per model (and data set).
    Raises cnn.CheckpointError or cnn.DataError."""
    return _evaluation(*_file_key(path), str(data_root().resolve()))


@contextmanager
def _long_pass():
    """Every core for the pass inside unless a run is training (ui.layout.long_pass_threads); the
    server's own share again after it."""
    job = registry().current
    torch.set_num_threads(long_pass_threads(training=bool(job and job.running)))
    try:
        yield
    finally:
        torch.set_num_threads(server_threads())


def model_key(choice: ModelChoice) -> tuple:
    """What identifies the chosen model's weights, for caches: a checkpoint's path, time and size,
    or the run in progress's name and weights version."""
    if choice.path is not None:
        return _file_key(choice.path)
    job = registry().current
    return job.name, job.latest_weights()[0]


@st.cache_resource(max_entries=8, show_spinner=False)
def _top_patches(key: tuple, data: str, layer: str, _model: cnn.Net) -> TopPatches:
    with _long_pass():
        return top_patches(_model, test_split().images, layer)


def best_patches(choice: ModelChoice, model: cnn.Net, layer: str) -> TopPatches:
    """The test digits that excite each channel of a conv layer most, found once per model (a pass
    over the 10,000 test images). Raises cnn.DataError without MNIST."""
    return _top_patches(model_key(choice), str(data_root().resolve()), layer, model)


@st.cache_resource(max_entries=256, show_spinner=False)
def _synthesised(key: tuple, layer: str, channel: int, _model: cnn.Net) -> np.ndarray:
    return synthesise(_model, layer, channel)


def synthesised(choice: ModelChoice, model: cnn.Net, layer: str, channel: int) -> np.ndarray:
    """An input made to excite one channel (cnn.filters.synthesise), once per model and channel."""
    return _synthesised(model_key(choice), layer, channel, model)


def test_split() -> Split:
    """MNIST's test images (read once per process). Raises cnn.DataError."""
    return cnn.load_split(False)
