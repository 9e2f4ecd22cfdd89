"""Saved runs written straight to a runs folder, with curves shaped like real ones, for pages to
show without training: the Compare page's tests and its benchmark."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from cnn.model import ModelConfig
from cnn.record import Eval, Metrics, RunRecord, Status
from cnn.runs import write_record
from cnn.train import make_config

TRAIN_IMAGES = 60_000


def fake_record(name: str, preset: str = "fast", epochs: int = 1, batch_size: int = 64, seed: int = 0,
                images_per_sec: float = 2_000.0, network: ModelConfig | None = None, **settings) -> RunRecord:
    """A finished run of `epochs` over MNIST's 60,000 training images: a loss falling from 2.3 with
    noise, ten quick evaluations and a full one at each epoch's end, rising towards 99%."""
    config = make_config(preset, epochs=epochs, batch_size=batch_size, seed=seed, device="cpu",
                         network=network or ModelConfig(), **settings)
    steps = epochs * -(-TRAIN_IMAGES // batch_size)
    rng = np.random.default_rng(seed)
    t = np.arange(1, steps + 1)
    losses = 2.3 * np.exp(-t / (steps / 40)) + 0.03 + np.abs(rng.normal(0, 0.02, steps))
    accs = np.clip(1 - losses / 2.5, 0, 1)
    quick = [Eval(int(s), _accuracy(s, steps), 0.05, False) for s in np.linspace(steps / 10, steps, 10, dtype=int)]
    full = [Eval(e * steps // epochs, _accuracy(e * steps // epochs, steps), 0.04, True) for e in range(1, epochs + 1)]
    metrics = Metrics(test_acc=full[-1].accuracy, test_loss=0.04, steps=steps, epochs=float(epochs),
                      seconds=steps * batch_size / images_per_sec, images_per_sec=images_per_sec, device="cpu",
                      precision="float32")
    return RunRecord(name, datetime(2026, 1, 1), Status.FINISHED, config=config.to_dict(), metrics=metrics,
                     losses=losses.tolist(), train_accs=accs.tolist(), evals=quick + full)


def _accuracy(step: int, steps: int) -> float:
    return round(float(0.99 - 0.09 * np.exp(-5 * step / steps)), 4)


def write_fake_run(root: Path, name: str, **settings) -> Path:
    """A run folder under `root` holding fake_record(name, **settings) as its run.json; its folder."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    write_record(folder, fake_record(name, **settings))
    return folder
