"""Shared fixtures: a small slice of real MNIST committed with the tests, so they run offline."""
from pathlib import Path

import numpy as np
import pytest

import cnn
from cnn.data import Split

FIXTURE = Path(__file__).parent / "data" / "mnist_small.npz"


@pytest.fixture(scope="session")
def mnist_small() -> tuple[Split, Split]:
    """(train, test): the first 2,000 MNIST training and 1,000 test images (tests/make_fixture.py)."""
    return cnn.load_split(True, FIXTURE), cnn.load_split(False, FIXTURE)


@pytest.fixture(scope="session")
def bundled_model() -> cnn.Net:
    return cnn.load_model()


def stroke_canvas(size: int = 280, box: tuple[int, int, int, int] = (40, 40, 240, 240), width: int = 20) -> np.ndarray:
    """An (size, size) ink-coverage canvas with a '1'-like bar and a '7'-like top stroke in box."""
    ink = np.zeros((size, size), np.float32)
    top, left, bottom, right = box
    ink[top : top + width, left:right] = 1.0  # the 7's top bar
    cx = (left + right) // 2
    ink[top:bottom, cx : cx + width] = 1.0  # the stem
    return ink
