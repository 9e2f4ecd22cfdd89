import os
import struct
from pathlib import Path

import pytest
import torch
from torchvision.datasets import MNIST

from cnn.data import DATA_ENV, EXPECTED_FILES, DataError, data_root, load_split
from cnn.model import MNIST_MEAN, MNIST_STD
from support.procs import imported_by


def make_raw(root: Path, sizes: dict[str, int]) -> Path:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name, size in sizes.items():
        with open(raw / name, "wb") as f:
            f.truncate(size)  # a sparse file: the right size, all zeros
    return raw


def test_root_comes_from_argument_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "env"))
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    assert data_root() == tmp_path / "env"
    monkeypatch.delenv(DATA_ENV)
    assert data_root() == Path("data")


def test_missing_files_without_download_name_the_folder_the_files_and_the_variable(tmp_path):
    with pytest.raises(DataError) as e:
        load_split(True, tmp_path, download=False)
    message = str(e.value)
    assert str(tmp_path / "MNIST" / "raw") in message and DATA_ENV in message
    assert all(name in message for name in EXPECTED_FILES)


def test_failed_download_says_so_clearly(tmp_path, monkeypatch):
    def offline(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\n<urlopen error no network>")

    monkeypatch.setattr(MNIST, "download", offline)  # stands in for a machine with no network
    with pytest.raises(DataError, match="Downloading it failed .*Error downloading train-images") as e:
        load_split(False, tmp_path / "fresh")
    assert DATA_ENV in str(e.value) and "urlopen" not in str(e.value)


@pytest.mark.parametrize("damaged", ["train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
@pytest.mark.parametrize("delta", [-1000, 7])
def test_truncated_or_wrong_size_file_is_named(tmp_path, damaged, delta):
    sizes = dict(EXPECTED_FILES)
    sizes[damaged] += delta
    raw = make_raw(tmp_path, sizes)
    with pytest.raises(DataError, match="truncated or not MNIST") as e:
        load_split(True, tmp_path, download=False)
    assert str(raw / damaged) in str(e.value)


@pytest.mark.parametrize("header", [b"", struct.pack(">4B3i", 0, 0, 8, 3, 60_000, 56, 14),
                                    struct.pack(">4B3i", 0, 0, 9, 3, 60_000, 28, 28)],
                         ids=["zeros", "other shape", "not bytes"])
def test_right_size_but_not_mnist_content_is_a_clear_error(tmp_path, header):
    raw = make_raw(tmp_path, EXPECTED_FILES)
    with open(raw / "train-images-idx3-ubyte", "r+b") as f:
        f.write(header)
    with pytest.raises(DataError, match="Could not read MNIST") as e:
        load_split(True, tmp_path, download=False)
    assert str(raw / "train-images-idx3-ubyte") in str(e.value) and "download MNIST again" in str(e.value)


@pytest.mark.skipif(not os.environ.get(DATA_ENV), reason=f"real MNIST not available: set {DATA_ENV}")
def test_real_mnist_loads_as_in_memory_tensors():
    train, test = load_split(True, download=False), load_split(False, download=False)
    assert train.images.shape == (60_000, 1, 28, 28) and test.images.shape == (10_000, 1, 28, 28)
    assert train.images.dtype == torch.float32 and 0 <= train.images.min() and train.images.max() <= 1
    assert train.images.mean().item() == pytest.approx(MNIST_MEAN, abs=1e-4)  # the model standardises by these
    assert train.images.std().item() == pytest.approx(MNIST_STD, abs=1e-4)
    assert train.labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert torch.bincount(train.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert load_split(True, download=False) is train  # read once per process


@pytest.mark.skipif(not os.environ.get(DATA_ENV), reason=f"real MNIST not available: set {DATA_ENV}")
@pytest.mark.parametrize("train", [True, False])
def test_real_mnist_reads_as_torchvision_reads_it(train):
    ours, theirs = load_split(train, download=False), MNIST(str(data_root()), train=train, download=False)
    assert torch.equal(ours.images, theirs.data.unsqueeze(1).float() / 255)
    assert torch.equal(ours.labels, theirs.targets)


@pytest.mark.skipif(not os.environ.get(DATA_ENV), reason=f"real MNIST not available: set {DATA_ENV}")
def test_reading_mnist_does_not_import_torchvision():
    """Its import costs seconds (torch._dynamo): a fresh server's first Evaluate visit waited for it."""
    assert "torchvision" not in imported_by("from cnn.data import load_split; load_split(False, download=False)")
