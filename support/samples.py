"""Small, fast inputs for tests: the MNIST slice committed with them, tiny training configs, a stroke canvas."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from cnn.model import ModelConfig
from cnn.train import TrainConfig, make_config

# The first 2,000 training and 1,000 test MNIST images (tests/make_fixture.py), so tests run offline.
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "data" / "mnist_small.npz"

# The tutorial network's shape at a quarter of its channels and dense units: about 3x faster to train
# (1.1 s against 3.7 s for tiny_train_config's 40 steps, 2-core AMD EPYC), still 87% on the fixture's
# test images. The tests of the training loop, of jobs, faults and memory train it; the tutorial network
# itself trains in full in test_cli, test_finetune, the AppTest pages and the browser tests.
SMALL_NETWORK = ModelConfig(channels=(16, 32), dense=256)


def tiny_job_config(**overrides) -> TrainConfig:
    """A "fast" config that reads FIXTURE from disk, for runs that load their own data (TrainingJob,
    Registry): batch 100, so the 2,000 images are 20 steps an epoch; a quick evaluation every 5 steps."""
    settings = dict(batch_size=100, device="cpu", eval_every=5, eval_subset=200, data_dir=str(FIXTURE),
                    network=SMALL_NETWORK)
    return make_config("fast", **{**settings, **overrides})


def tiny_train_config(**overrides) -> TrainConfig:
    """A one-epoch "fast" config for cnn.train.train given the data in memory (the mnist_small fixture):
    batch 50, so the 2,000 images are 40 steps; a quick evaluation every 10 steps."""
    settings = dict(epochs=1, batch_size=50, lr=2e-3, device="cpu", eval_every=10, eval_subset=200,
                    network=SMALL_NETWORK)
    return make_config("fast", **{**settings, **overrides})


def stroke_canvas(size: int = 280, box: tuple[int, int, int, int] = (40, 40, 240, 240), width: int = 20) -> np.ndarray:
    """An (size, size) ink-coverage canvas with a '1'-like bar and a '7'-like top stroke in box."""
    ink = np.zeros((size, size), np.float32)
    top, left, bottom, right = box
    ink[top : top + width, left:right] = 1.0  # the 7's top bar
    cx = (left + right) // 2
    ink[top:bottom, cx : cx + width] = 1.0  # the stem
    return ink
