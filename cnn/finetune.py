"""Fine-tuning a model on the user's own drawings, mixed with MNIST so it does not forget it.

    report = finetune(FineTune(start_from, images, labels), finetune_config(), out="runs/x/model.pt")[1]
    report["mine_before"], report["mine_after"], report["mnist_before"], report["mnist_after"]

With HOLD_OUT_FROM drawings or more, a fifth of each digit's drawings is held out and the
accuracy on "my digits" is measured on those only; with fewer, on all of them (and the report
says so), since a handful of drawings cannot be split and still teach anything.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from .checkpoint import load_checkpoint
from .data import Split, load_split
from .model import Net
from .train import Control, Event, TrainConfig, TrainResult, evaluate, make_config, train

HOLD_OUT_FROM = 20
MINE_SHARE = 0.2  # the user's drawings, repeated, make this share of the training data
MIN_DRAWINGS = 5


@dataclass(frozen=True)
class FineTune:
    start_from: Path  # the checkpoint to continue from
    images: np.ndarray  # (N, 28, 28) float32 in [0, 1], the user's drawings
    labels: np.ndarray  # (N,) their digits


def finetune_config(**overrides) -> TrainConfig:
    """A short, gentle run: Adam at a tenth of the fast preset's peak, 300 steps, augmented so a
    few dozen drawings are not simply memorised."""
    settings = dict(lr=2e-4, epochs=50, max_steps=300, augment=True, eval_every=50)  # the steps decide
    return make_config("fast", **{**settings, **overrides})


def hold_out(labels: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices: a fifth of each digit's drawings (at least one, if it has two
    or more) held out when there are HOLD_OUT_FROM drawings or more; otherwise none."""
    if len(labels) < HOLD_OUT_FROM:
        return np.arange(len(labels)), np.arange(0)
    rng = np.random.default_rng(seed)
    held = []
    for digit in np.unique(labels):
        mine = rng.permutation(np.flatnonzero(labels == digit))
        held += list(mine[: len(mine) // 5 or (1 if len(mine) > 1 else 0)])
    held = np.sort(np.array(held, dtype=int))
    return np.setdiff1d(np.arange(len(labels)), held), held


def mixed(mine: Split, mnist: Split, share: float = MINE_SHARE) -> Split:
    """MNIST's training images with the user's drawings repeated to make `share` of the whole."""
    copies = max(1, round(share * len(mnist) / ((1 - share) * max(len(mine), 1))))
    return Split(torch.cat([mnist.images, mine.images.repeat(copies, 1, 1, 1)]),
                 torch.cat([mnist.labels, mine.labels.repeat(copies)]))


def finetune(tune: FineTune, config: TrainConfig, on_event: Callable[[Event], None] | None = None,
             stop: threading.Event | None = None, out: str | Path | None = None,
             model: Net | None = None, control: Control | None = None) -> tuple[TrainResult, dict]:
    """Continue training tune.start_from (or `model`, loaded from it) on the user's drawings mixed
    with MNIST. Returns the result and a report of the accuracy before and after, on the drawings
    and on MNIST's test set."""
    model = model or load_checkpoint(tune.start_from).model
    config = replace(config, network=model.config)  # fine-tuning keeps the network it starts from
    mine = Split(torch.from_numpy(np.asarray(tune.images, np.float32)).unsqueeze(1),
                 torch.as_tensor(np.asarray(tune.labels), dtype=torch.long))
    train_idx, held_idx = hold_out(mine.labels.numpy(), config.seed)
    measured = Split(mine.images[held_idx], mine.labels[held_idx]) if len(held_idx) else mine
    mnist_train, mnist_test = load_split(True, config.data_dir), load_split(False, config.data_dir)
    before = evaluate(model, measured)[0], evaluate(model, mnist_test)[0]
    learn_from = Split(mine.images[train_idx], mine.labels[train_idx])
    result = train(config, on_event, stop, out, data=(mixed(learn_from, mnist_train), mnist_test), model=model,
                   control=control)
    report = {"start_from": str(tune.start_from), "drawings": len(mine), "held_out": len(held_idx),
              "mine_before": before[0], "mine_after": evaluate(result.model, measured)[0],
              "mnist_before": before[1], "mnist_after": result.metrics.test_acc}
    return result, report
