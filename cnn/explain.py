"""Why the model answers what it does: saliency, and what each preparation step gives.

    why = saliency(model, image, 3)             # (28, 28) in [-1, 1]: > 0 where the ink says "3"
    why = saliency(model, image, 3, versus=7)   # > 0 where the ink says "3, not 7", < 0 "7, not 3"
    steps = preparation_steps(prepare(canvas))  # the canvas, cropped, 20x20, centred, and a naive resize
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .model import Net
from .preprocess import FIELD, Prepared, paste, resize


def saliency(model: Net, image: np.ndarray, digit: int, versus: int | None = None) -> np.ndarray:
    """Gradient x input for one (28, 28) image: how much each pixel's ink raises (> 0) or
    lowers (< 0) the case for `digit`, scaled to [-1, 1]. Blank pixels score 0.

    The case for `digit` is its logit against the mean of all ten ("a 3 rather than anything
    else"), or with `versus` against that digit's logit ("a 3 rather than a 7": why not a 7?).
    On 200 test digits, deleting the fifth of the ink this ranks highest cut that case 1.86x
    as much as deleting a random fifth; Grad-CAM on conv2 did worse than random (0.79x) and
    gave the contrast with the runner-up the wrong sign for 179 of them (bench/bench_saliency.py).
    """
    if model.training:
        raise ValueError("the model is in training mode; call model.eval() first (load_model does)")
    x = torch.as_tensor(np.asarray(image, np.float32)).reshape(1, 1, 28, 28)
    x = x.to(next(model.parameters()).device).requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)[0]  # (10,)
        against = logits[versus] if versus is not None else logits.mean()
        (grads,) = torch.autograd.grad(logits[digit] - against, x)  # (1, 1, 28, 28)
    attribution = (grads * x).detach()[0, 0]
    peak = float(attribution.abs().max())
    return (attribution / peak if peak > 0 else attribution).cpu().numpy().astype(np.float32)


@dataclass(frozen=True)
class Step:
    name: str
    picture: np.ndarray  # (H, W) in [0, 1]: the step's own image, at its own size
    model_input: np.ndarray | None  # (28, 28): what the model would get if preparation stopped here


def preparation_steps(prepared: Prepared) -> list[Step]:
    """MNIST's preparation step by step, then the naive alternative: the whole canvas resized.

    Each step's model input is the simplest way to make it 28x28: the crop stretched to fill
    it, the 20x20 box put in the middle (centred by its box, not its mass). The raw canvas
    has none of its own: fed whole, it is the naive resize.
    """
    h, w = prepared.box.shape
    naive = resize(prepared.ink, FIELD, FIELD)
    return [
        Step("Your drawing", prepared.ink, None),
        Step("Cropped to the ink", prepared.crop, resize(prepared.crop, FIELD, FIELD)),
        Step("Scaled to fit 20×20", prepared.box, paste(prepared.box, (FIELD - h) // 2, (FIELD - w) // 2)),
        Step("Centred by mass in 28×28", prepared.image, prepared.image),
        Step("Naive: the whole canvas resized to 28×28", naive, naive),
    ]

