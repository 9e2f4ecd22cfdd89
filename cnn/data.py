"""Finding MNIST (or downloading it) and turning it into in-memory tensors once."""
from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import DataError, first_line

DATA_ENV = "CNN_DATA_DIR"

# torchvision's layout: <root>/MNIST/raw/<file>, each file an IDX array of unsigned bytes of this shape.
SHAPES = {
    "train-images-idx3-ubyte": (60_000, 28, 28),
    "train-labels-idx1-ubyte": (60_000,),
    "t10k-images-idx3-ubyte": (10_000, 28, 28),
    "t10k-labels-idx1-ubyte": (10_000,),
}


def _idx_header(shape: tuple[int, ...]) -> int:
    """Bytes before an IDX file's data: 0, 0, 8 (unsigned bytes), the number of dimensions, then each
    dimension as a big-endian int32."""
    return 4 + 4 * len(shape)


EXPECTED_FILES = {name: _idx_header(shape) + math.prod(shape) for name, shape in SHAPES.items()}  # sizes


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # (N, 1, 28, 28) float32 in [0, 1], white digit on black
    labels: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return len(self.labels)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: the argument, else $CNN_DATA_DIR, else ./data."""
    return Path(root or os.environ.get(DATA_ENV) or "data").expanduser()


def raw_folder(root: Path) -> Path:
    return root / "MNIST" / "raw"


def load_split(train: bool, root: str | os.PathLike | None = None, download: bool = True) -> Split:
    """The MNIST training (60,000) or test (10,000) images as tensors, read once per process.

    `root` may also be a .npz file with uint8 arrays train_x, train_y, test_x and test_y: a
    small slice of MNIST such as the tests' fixture, for quick demos and tests.
    """
    root = data_root(root).resolve()
    if root.suffix == ".npz":
        return _load_npz(train, root)
    return _load_split(train, root, download)


@functools.lru_cache(maxsize=4)
def _load_npz(train: bool, path: Path) -> Split:
    prefix = "train" if train else "test"
    try:
        with np.load(path) as d:
            images, labels = d[f"{prefix}_x"], d[f"{prefix}_y"]
    except (OSError, KeyError, ValueError) as e:
        raise DataError(f"{path} is not a readable MNIST slice ({prefix}_x and {prefix}_y arrays): {e}") from e
    x = torch.from_numpy(images).float().div_(255).unsqueeze(1)  # (N, 1, 28, 28)
    return Split(x, torch.from_numpy(labels).long())


@functools.lru_cache(maxsize=4)
def _load_split(train: bool, root: Path, download: bool) -> Split:
    if download and _missing_files(root):
        _download(root)
    _check_files(root)
    prefix = "train" if train else "t10k"
    images = _read_idx(raw_folder(root) / f"{prefix}-images-idx3-ubyte")  # (N, 28, 28)
    labels = _read_idx(raw_folder(root) / f"{prefix}-labels-idx1-ubyte")  # (N,)
    x = torch.from_numpy(images).float().div_(255).unsqueeze(1)  # (N, 1, 28, 28)
    return Split(x, torch.from_numpy(labels).long())


def _read_idx(path: Path) -> np.ndarray:
    """The IDX file's bytes in the shape MNIST's file of that name has (SHAPES); its size is checked
    already (_check_files). Read here rather than through torchvision's MNIST: with PyTorch imported,
    reading both splits took 2.7-3.6 s that way (its import, mostly torch._dynamo), 0.5-0.6 s this
    way (2-core AMD EPYC)."""
    shape = SHAPES[path.name]
    header = _idx_header(shape)
    raw = np.fromfile(path, dtype=np.uint8)
    if raw[:4].tolist() != [0, 0, 8, len(shape)] or tuple(raw[4:header].view(">i4").tolist()) != shape:
        raise DataError(f"Could not read MNIST: {path} is not MNIST's file (an IDX file of {shape} unsigned "
                        f"bytes). Delete it and download MNIST again.")
    return raw[header:].reshape(shape)


def _missing_files(root: Path) -> list[str]:
    return [name for name in EXPECTED_FILES if not (raw_folder(root) / name).is_file()]


def _download(root: Path) -> None:
    from torchvision.datasets import MNIST

    print(f"MNIST not found in {raw_folder(root)}; downloading it (about 12 MB)...", flush=True)
    try:
        MNIST(str(root), train=True, download=True)
        MNIST(str(root), train=False, download=True)
    except Exception as e:  # offline, read-only folder, mirror down...
        reason = f"Downloading it failed ({type(e).__name__}: {first_line(e).rstrip(':')})."
        raise DataError(_missing_message(root, reason)) from e


def _missing_message(root: Path, reason: str) -> str:
    files = ", ".join(EXPECTED_FILES)
    return (
        f"MNIST is not in {raw_folder(root)}. {reason}\n"
        f"Put the four files ({files}) in that folder, or point {DATA_ENV} "
        f"(or --data-dir) at a folder that holds MNIST/raw/ with them."
    )


def _check_files(root: Path) -> None:
    missing = _missing_files(root)
    if missing:
        raise DataError(_missing_message(root, f"Missing: {', '.join(missing)}."))
    for name, size in EXPECTED_FILES.items():
        path = raw_folder(root) / name
        actual = path.stat().st_size
        if actual != size:
            raise DataError(
                f"{path} has {actual:,} bytes, expected {size:,}: the file is truncated or not "
                f"MNIST's. Delete it and download MNIST again."
            )
