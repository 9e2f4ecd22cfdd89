"""When not to trust a prediction: drawings that are no digit.

A softmax is confident on almost anything, scribbles included (the bundled model gives most
random scribbles over 90%). Two checks catch what it misses:

- density: a dot or a blob, scaled up like a digit, fills its box as no MNIST digit does
  (the densest 0.1% of the 60,000 training digits have ink over 29% of the 28x28);
- steadiness: the answer should survive the small changes people make anyway (a few degrees
  of slant, a pixel of shift, a thicker pen). The mean top probability over such copies
  stays high for digits and drops for scribbles, which match no digit in any of them.

The mean probabilities over those copies (steady_probs) are also a steadier answer than one look:
cnn.numbers reads every digit of a number that way.

Measured by tests/test_doubt.py and the README's Reliability section.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .augment import AugmentConfig, augment
from .model import Net

DENSE_ABOVE = 0.30  # mean ink of the 28x28 above which nothing in MNIST looks like it
STEADY_BELOW = 0.80  # mean top probability over the changed copies under which we doubt
COPIES = 16


@dataclass(frozen=True)
class Doubt:
    density: float  # mean ink of the 28x28 input, in [0, 1]
    steadiness: float  # mean probability of the prediction over COPIES changed copies

    @property
    def reason(self) -> str | None:
        """Why this prediction should not be trusted, in words, or None."""
        if self.density > DENSE_ABOVE:
            return "the ink fills its box as no digit does (a dot or a blob?)"
        if self.steadiness < STEADY_BELOW:
            return (f"small changes to the drawing change the answer (it holds on average at "
                    f"{self.steadiness:.0%} over {COPIES} slightly turned, moved and thickened copies)")
        return None


CHUNK = 1024  # copies through the model at once: conv1's activations for them take ~100 MB


def assess(model: Net, image: np.ndarray, prediction: int) -> Doubt:
    """How far to trust `prediction` for one (28, 28) input in [0, 1]. Deterministic."""
    return judge(image, steady_probs(model, image)[0], prediction)


def judge(image: np.ndarray, steady: np.ndarray, prediction: int) -> Doubt:
    """The doubt about `prediction` for one (28, 28) input whose steady_probs (10,) are already known."""
    return Doubt(density=float(np.mean(image)), steadiness=float(steady[prediction]))


@torch.inference_mode()
def steady_probs(model: Net, images: np.ndarray) -> np.ndarray:
    """(28, 28) or (N, 28, 28) inputs in [0, 1] -> (N, 10): each one's probabilities averaged over COPIES
    slightly changed copies, the same changes for every input and on every call (deterministic)."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32)).reshape(1, -1, 28, 28)  # the inputs as channels
    # (COPIES, N, 28, 28): augment changes all of a batch item's channels alike, so copy k of every input
    # has the same turn, slant, size, shift and stroke change (for N = 1, the copies assess always made)
    copies = augment(x.expand(COPIES, -1, -1, -1), AugmentConfig(), torch.Generator().manual_seed(0))
    flat = copies.transpose(0, 1).reshape(-1, 1, 28, 28)  # (N * COPIES, 1, 28, 28), each input's copies together
    device = next(model.parameters()).device
    probs = torch.cat([torch.softmax(model(part.to(device)), dim=1) for part in flat.split(CHUNK)])
    return probs.reshape(-1, COPIES, 10).mean(1).cpu().numpy()
