"""The classic MNIST CNN without any user interface: everything the app computes, usable from Python.

    import cnn
    model = cnn.load_model()                    # the bundled model, in eval mode
    image = cnn.canvas_to_mnist(canvas_rgba)    # (28, 28) float32, prepared as MNIST was
    probs = cnn.classify(model, image)          # (10,) probabilities
    analysis = cnn.analyze(model, image)        # .probs, and .maps: {"conv1": (32, 28, 28), ...}
    reading = cnn.read_number(wide_canvas)      # .text "4071", .digits, .boxes, .probs, .why ("not sure")

What the package holds, module by module:
    model        the network (Net, ModelConfig: the tutorial's, or one designed on the Train page)
    design       what a network costs before it trains: parameters, FLOPs, layer shapes, memory, time
    preprocess   a drawing -> MNIST's 28x28 (and the steps in between); photo: a photo -> a drawing
    data         MNIST, found (or downloaded) and held in memory as tensors
    train        the trainer, its config and presets, and `python -m cnn.train`
    augment      batched random rotation, slant, size, shift and stroke width
    hardware     the device and precision a run uses (bfloat16 only where it is native)
    checkpoint   one file per model; weights-only loading, atomic writes
    record       a run's typed record (RunRecord, Status, Eval, Metrics) and its run.json format
    runs         the runs folder: one folder per run, listing, ownership between servers
    job          a run in a child process, followed by the server; one run per server (Registry)
    evaluate     a model on the whole test set: confusion matrix, mistakes
    explain      why the model answered: saliency, and what each preparation step changes
    compute      one activation worked out from the weights: a conv's window x kernel, a pool, a dense sum
    filters      what each filter looks for: receptive fields, favourite test patches, synthesised inputs
    adversarial  make the model say another digit: a small change within a bound
    doubt        when not to trust an answer; an answer averaged over slightly changed copies (steady_probs)
    numbers      a whole number on one canvas: its digits found in the ink, each read over its changed copies
    my_digits    the user's kept drawings; finetune: training further on them
    atomic       whole-or-nothing file writes; errors: every error it reports (CnnError)

Training lives in cnn.train (`python -m cnn.train`, or `from cnn.train import make_config, train`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .data import load_split
from .doubt import Doubt, assess
from .errors import CheckpointError, CnnError, DataError, EmptyDrawingError, NoWeightsYetError
from .model import LAYERS, ModelConfig, Net
from .numbers import Reading, read_number
from .preprocess import Prepared, canvas_to_mnist, prepare

BUNDLED_MODEL = Path(__file__).parent / "weights" / "mnist_cnn.pt"
SPATIAL_LAYERS = ModelConfig().spatial_layers  # the tutorial network's; any other: model.config.spatial_layers

__all__ = [
    "BUNDLED_MODEL", "LAYERS", "SPATIAL_LAYERS", "Analysis", "Checkpoint", "CheckpointError", "CnnError", "DataError",
    "Doubt", "EmptyDrawingError", "ModelConfig", "Net", "NoWeightsYetError", "Prepared", "Reading", "analyze",
    "assess", "canvas_to_mnist", "classify", "doubt_about", "load_checkpoint", "load_model", "load_split", "prepare",
    "read_number", "save_checkpoint",
]


def load_model(path: str | Path | None = None, device: str | torch.device | None = None) -> Net:
    """A model from a checkpoint (default: the bundled one), in eval mode. Raises CheckpointError."""
    return load_checkpoint(path or BUNDLED_MODEL, device).model


@dataclass(frozen=True)
class Analysis:
    probs: np.ndarray  # (10,) softmax probabilities
    maps: dict[str, np.ndarray]  # layer -> (C, H, W) activations; fc1 (if any) and logits as (C, 1, 1)

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
    """Why not to trust the model's answer for one (28, 28) input, in words; None if it can be trusted.

    The one-call form for scripts and benchmarks (support.drawn_digits counts "not sure" with it);
    a page that already has the prediction, and shows the figures behind the doubt, calls `assess`."""
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
