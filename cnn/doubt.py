"""When not to trust a prediction: drawings that are no digit.

A softmax is confident on almost anything, scribbles included (the bundled model gives most
random scribbles over 90%). Two checks catch what it misses:

- density: a dot or a blob, scaled up like a digit, fills its box as no MNIST digit does
  (the densest 0.1% of the 60,000 training digits have ink over 29% of the 28x28);
- steadiness: the answer should survive the small changes people make anyway (a few degrees
  of slant, a pixel of shift, a thicker pen). The mean top probability over such copies
  stays high for digits and drops for scribbles, which match no digit in any of them.

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


@torch.inference_mode()
def assess(model: Net, image: np.ndarray, prediction: int) -> Doubt:
    """How far to trust `prediction` for one (28, 28) input in [0, 1]. Deterministic."""
    x = torch.as_tensor(np.asarray(image, dtype=np.float32)).reshape(1, 1, 28, 28)
    # (COPIES, 1, 28, 28), the same changes every time
    copies = augment(x.repeat(COPIES, 1, 1, 1), AugmentConfig(), torch.Generator().manual_seed(0))
    device = next(model.parameters()).device
    probs = torch.softmax(model(copies.to(device)), dim=1)[:, prediction]
    return Doubt(density=float(x.mean()), steadiness=float(probs.mean()))
