"""Make the model say another digit: the smallest-looking change to an image that flips its answer.

    fooled = make_it_say(model, image, 3, bound=0.2)  # no pixel moves by more than 0.2
    fooled.changed, fooled.probs_after, fooled.succeeded

Projected gradient ascent (Madry et al., 2018) on the target's log-probability, within an
L-infinity ball: each pixel may change by at most `bound`, and stays in [0, 1]. A change that
small is faint to a person, yet thousands of pixels each nudged the way the gradient points
add up to a large change in the logits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .model import Net

STEPS = 40


@dataclass(frozen=True)
class Fooling:
    original: np.ndarray  # (28, 28) in [0, 1]
    change: np.ndarray  # (28, 28) in [-bound, bound]: changed - original
    changed: np.ndarray  # (28, 28) in [0, 1]
    probs_before: np.ndarray  # (10,)
    probs_after: np.ndarray  # (10,)
    target: int
    bound: float

    @property
    def succeeded(self) -> bool:
        return int(self.probs_after.argmax()) == self.target


def make_it_say(model: Net, image: np.ndarray, target: int, bound: float, steps: int = STEPS,
                step_size: float | None = None) -> Fooling:
    """Change the (28, 28) image in [0, 1] by at most `bound` a pixel so that the model answers
    `target`, stopping as soon as it does. Each step moves every pixel by `step_size` (default
    2.5 * bound / steps, so the walk can cross the ball and back) the way that raises the
    target's log-probability, then clips to the ball and to [0, 1]."""
    if model.training:
        raise ValueError("the model is in training mode; call model.eval() first (load_model does)")
    if not 0 <= target <= 9 or bound < 0 or np.shape(image) != (28, 28):
        raise ValueError(f"need a (28, 28) image, a target 0-9 and a bound >= 0; got {np.shape(image)}, "
                         f"{target}, {bound}")
    step_size = 2.5 * bound / steps if step_size is None else step_size
    device = next(model.parameters()).device
    original = torch.as_tensor(np.asarray(image, np.float32), device=device).reshape(1, 1, 28, 28)
    low, high = (original - bound).clamp(0, 1), (original + bound).clamp(0, 1)  # the ball, within [0, 1]
    x = original.clone()
    with torch.enable_grad():
        for _ in range(steps if bound > 0 else 0):
            x.requires_grad_(True)
            logits = model(x)  # (1, 10)
            if int(logits.argmax()) == target:
                break
            (grad,) = torch.autograd.grad(torch.log_softmax(logits, 1)[0, target], x)  # (1, 1, 28, 28)
            x = torch.minimum(torch.maximum(x.detach() + step_size * grad.sign(), low), high)
    with torch.inference_mode():
        probs = torch.softmax(model(torch.cat([original, x.detach()])), 1).cpu().numpy()  # (2, 10): before, after
    before, after = original[0, 0].cpu().numpy(), x.detach()[0, 0].cpu().numpy()
    return Fooling(before, after - before, after, probs[0], probs[1], int(target), float(bound))
