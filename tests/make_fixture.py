"""Rebuild tests/data/mnist_small.npz: the first 2,000 training and 1,000 test MNIST images.

    CNN_DATA_DIR=../shared/data python -m tests.make_fixture
"""
from pathlib import Path

import numpy as np

import cnn

OUT = Path(__file__).parent / "data" / "mnist_small.npz"


def as_uint8(split, n):
    return (split.images[:n, 0] * 255).round().byte().numpy(), split.labels[:n].numpy().astype(np.uint8)


if __name__ == "__main__":
    train_x, train_y = as_uint8(cnn.load_split(train=True, download=False), 2000)
    test_x, test_y = as_uint8(cnn.load_split(train=False, download=False), 1000)
    np.savez_compressed(OUT, train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")
