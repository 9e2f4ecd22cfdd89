"""Checkpoints: one file with weights, configs, metrics and a format version.

Saving is atomic (temporary file, fsync, rename), so a crash never leaves half a file where
a good one was. Loading uses torch.load(weights_only=True), so a checkpoint can hold only
tensors and plain data and can never run code.
"""
from __future__ import annotations

import io
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .atomic import write_atomically
from .errors import CheckpointError, ConfigError, first_line
from .model import ModelConfig, Net, load_state

FORMAT = "cnn-mnist-checkpoint"
VERSION = 1
FILTER_HISTORY = "filter_history"  # in `extra`: {"steps": (K,) int, "filters": (K, C1, 1, k, k)}
# In `extra` of a checkpoint saved at an epoch's end while its run went on, or when it was stopped: what
# continuing the run needs (optimizer and schedule state, random generators, the epoch's data order,
# counters); cnn.train writes and reads it.
RESUME = "resume"


@dataclass
class Checkpoint:
    model: Net  # in eval mode
    train_config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def resume_state(self) -> dict | None:
        """What continuing this checkpoint's run needs, if it was saved mid-run (else None), with its
        filter history so far under "history"."""
        state = self.extra.get(RESUME)
        if not (isinstance(state, dict) and {"optimizer", "generator", "step"} <= state.keys()):
            return None
        return {**state, "history": self.filter_history()}

    def filter_history(self) -> tuple[list[int], np.ndarray] | None:
        """(steps, (K, C, 1, k, k) conv1 filters) kept during training, or None if the run kept
        none (or kept something of another shape)."""
        history = self.extra.get(FILTER_HISTORY)
        if not isinstance(history, dict):
            return None
        steps, filters = history.get("steps"), history.get("filters")
        if not (isinstance(steps, torch.Tensor) and isinstance(filters, torch.Tensor)) or steps.ndim != 1:
            return None
        shape = (len(steps), *self.model.conv1.weight.shape)
        if len(steps) == 0 or tuple(filters.shape) != shape or not torch.isfinite(filters).all():
            return None
        return [int(s) for s in steps], filters.float().numpy()


def save_checkpoint(
    path: str | os.PathLike,
    model: Net,
    train_config: dict | None = None,
    metrics: dict | None = None,
    extra: dict | None = None,
    half: bool = False,
) -> Path:
    """Write the checkpoint atomically. `half` stores the weights as float16 (half the size)."""
    path = Path(path)
    dtype = torch.float16 if half else torch.float32
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model_config": model.config.to_dict(),
        "state_dict": {k: v.detach().to("cpu", dtype) for k, v in model.state_dict().items()},
        "train_config": dict(train_config or {}),
        "metrics": dict(metrics or {}),
        "extra": dict(extra or {}),
    }
    # Serialised in memory first: torch's own file writer turns a full disk into an opaque
    # RuntimeError, a plain write gives the OSError that says what happened.
    data = io.BytesIO()
    torch.save(payload, data)
    return write_atomically(path, lambda f: f.write(data.getbuffer()))


def load_checkpoint(path: str | os.PathLike, device: str | torch.device | None = None) -> Checkpoint:
    path = Path(path)
    payload = _read_payload(path)
    model = Net(_model_config(path, payload))
    try:
        load_state(model, payload["state_dict"])
    except (RuntimeError, TypeError, AttributeError) as e:
        raise CheckpointError(f"{path} holds weights of another network, not this one ({first_line(e)}).") from e
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        raise CheckpointError(f"{path} holds weights that are not finite numbers (NaN or infinity).")
    model.to(device or "cpu").eval()
    return Checkpoint(model, payload["train_config"], payload["metrics"], payload["extra"])


def _read_payload(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}.")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path} is empty: it is not a checkpoint.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "GLOBAL" in str(e):
            # weights_only refuses anything but tensors and plain data: this is how a pickle
            # that would run code ends up here, without running.
            raise CheckpointError(f"{path} is not a safe checkpoint: it holds objects other than weights.") from e
        raise CheckpointError(f"{path} is damaged or not a checkpoint (corrupt): {first_line(e)}") from e
    except Exception as e:  # torch's readers fail on garbage in many ways (IndexError too)
        raise CheckpointError(f"{path} is damaged or not a checkpoint (truncated or corrupt): {first_line(e)}") from e
    needed = {"format", "version", "model_config", "state_dict", "train_config", "metrics", "extra"}
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or not needed <= payload.keys():
        raise CheckpointError(f"{path} is not a checkpoint of this project (a file of another kind).")
    if payload["version"] != VERSION:
        raise CheckpointError(f"{path} has checkpoint format version {payload['version']}; this code reads {VERSION}.")
    return payload


def _model_config(path: Path, payload: dict) -> ModelConfig:
    try:
        return ModelConfig.from_dict(payload["model_config"])
    except (TypeError, ConfigError) as e:
        raise CheckpointError(f"{path} has a model configuration this code does not know: {e}") from e

