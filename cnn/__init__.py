"""The classic MNIST CNN: model, trainer, drawing preprocessing and the bundled model.

    import cnn
    model = cnn.load_model()                    # the bundled model, in eval mode
    image = cnn.canvas_to_mnist(canvas_rgba)    # (28, 28) float32, prepared as MNIST was
    probs = cnn.classify(model, image)          # (10,) probabilities
    maps = cnn.feature_maps(model, image)       # {"conv1": (32, 28, 28), ...}

Training lives in cnn.train (`python -m cnn.train`, or `from cnn.train import make_config, train`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from .data import DataError, load_split
from .doubt import Doubt, assess
from .model import LAYERS, ModelConfig, Net
from .preprocess import EmptyDrawingError, Prepared, canvas_to_mnist, prepare

BUNDLED_MODEL = Path(__file__).parent / "weights" / "mnist_cnn.pt"
SPATIAL_LAYERS = ("conv1", "pool1", "conv2", "pool2")

__all__ = [
    "BUNDLED_MODEL", "Checkpoint", "CheckpointError", "DataError", "EmptyDrawingError", "LAYERS", "ModelConfig",
    "Net", "Prepared", "SPATIAL_LAYERS", "Analysis", "Doubt", "analyze", "assess", "canvas_to_mnist", "classify",
    "doubt_about", "feature_maps",
    "load_checkpoint", "load_model", "load_split", "prepare", "save_checkpoint",
]


def load_model(path: str | Path | None = None, device: str | torch.device | None = None) -> Net:
    """A model from a checkpoint (default: the bundled one), in eval mode. Raises CheckpointError."""
    return load_checkpoint(path or BUNDLED_MODEL, device).model


@dataclass(frozen=True)
class Analysis:
    probs: np.ndarray  # (10,) softmax probabilities
    maps: dict[str, np.ndarray]  # layer -> (C, H, W) activations; fc1 and logits as (C, 1, 1)

    @property
    def prediction(self) -> int:
        return int(self.probs.argmax())


def classify(model: Net, images) -> np.ndarray:
    """Probabilities for (28, 28) -> (10,), or for a batch (N, 28, 28) -> (N, 10).
    Inputs are in [0, 1], white digit on black, like canvas_to_mnist's output."""
    batch = _as_batch(model, images)
    with torch.inference_mode():
        probs = torch.softmax(model(batch), dim=1).cpu().numpy()
    return probs[0] if np.ndim(images) == 2 else probs


def feature_maps(model: Net, image) -> dict[str, np.ndarray]:
    """Activations of conv1, pool1, conv2 and pool2 for one (28, 28) image, each (C, H, W)."""
    maps = analyze(model, image).maps
    return {name: maps[name] for name in SPATIAL_LAYERS}


def analyze(model: Net, image) -> Analysis:
    """Probabilities and every layer's activations for one (28, 28) image, in one forward pass."""
    if np.ndim(image) != 2:
        raise ValueError(f"analyze takes one (28, 28) image, got shape {np.shape(image)}")
    with torch.inference_mode():
        acts = model.forward_all(_as_batch(model, image))
    probs = torch.softmax(acts["logits"], dim=1)[0].cpu().numpy()
    maps = {name: a[0].reshape(a.shape[1], *a.shape[2:] or (1, 1)).cpu().numpy() for name, a in acts.items()}
    return Analysis(probs, maps)


def doubt_about(model: Net, image) -> str | None:
    """Why not to trust the model's answer for one (28, 28) input, in words; None if it can be trusted."""
    return assess(model, image, int(classify(model, image).argmax())).reason


def _as_batch(model: Net, images) -> torch.Tensor:
    """(28, 28) or (N, 28, 28) array-like -> (N, 1, 28, 28) float32 on the model's device."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if x.shape[-2:] != (28, 28) or x.ndim not in (2, 3):
        raise ValueError(f"expected images of shape (28, 28) or (N, 28, 28), got {tuple(x.shape)}")
    if model.training:
        raise ValueError("the model is in training mode; call model.eval() first (load_model does)")
    device = next(model.parameters()).device
    return x.reshape(-1, 1, 28, 28).to(device)
