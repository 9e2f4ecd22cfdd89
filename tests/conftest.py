"""Shared fixtures: a small slice of real MNIST committed with the tests, so they run offline."""
import pytest

import cnn
from cnn.data import Split
from support.samples import FIXTURE


@pytest.fixture(scope="session")
def mnist_small() -> tuple[Split, Split]:
    """(train, test): the first 2,000 MNIST training and 1,000 test images (tests/make_fixture.py)."""
    return cnn.load_split(True, FIXTURE), cnn.load_split(False, FIXTURE)


@pytest.fixture(scope="session")
def bundled_model() -> cnn.Net:
    return cnn.load_model()
