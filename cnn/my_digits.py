"""The user's own digits: drawings kept with their true label, to look at and to fine-tune on.

    runs/my-digits/<digit>/<time>-<random>.png    the 28x28 model input, white digit on black

Each drawing is written to a temporary file, synced, then renamed into place, so a server
stopped while saving leaves the drawing whole or absent, never half a file; temporary files
are never listed.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .atomic import write_atomically
from .runs import runs_root

FOLDER = "my-digits"
_NAME = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{8}\.png$")


@dataclass(frozen=True)
class MyDigit:
    path: Path
    label: int
    image: np.ndarray  # (28, 28) float32 in [0, 1]


class MyDigits:
    def __init__(self, root: str | os.PathLike | None = None):
        self.folder = runs_root(root) / FOLDER

    def add(self, image: np.ndarray, label: int) -> Path:
        """Keep a (28, 28) image in [0, 1] as a drawing of `label`. Raises ValueError for
        anything else, OSError when it cannot be written."""
        image = np.asarray(image, np.float32)
        if image.shape != (28, 28) or not np.isfinite(image).all():
            raise ValueError(f"a kept drawing is a (28, 28) image of finite values, got shape {image.shape}")
        if not (isinstance(label, (int, np.integer)) and 0 <= label <= 9):
            raise ValueError(f"the label must be a digit from 0 to 9, got {label!r}")
        path = self.folder / str(int(label)) / f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.png"
        pixels = (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
        return write_atomically(path, lambda f: Image.fromarray(pixels, mode="L").save(f, format="PNG"))

    def items(self, label: int | None = None) -> list[MyDigit]:
        """The kept drawings (of `label`, or all), newest first; unreadable files are skipped."""
        kept = []
        for digit in range(10) if label is None else [label]:
            folder = self.folder / str(digit)
            paths = sorted(folder.glob("*.png"), reverse=True) if folder.is_dir() else []
            kept += [MyDigit(p, digit, image) for p in paths if _NAME.match(p.name) and (image := _read(p)) is not None]
        return kept

    def delete(self, path: Path) -> None:
        """Remove one kept drawing; refuses any path that is not one."""
        path = Path(path)
        if not (_NAME.match(path.name) and path.parent.parent.resolve() == self.folder.resolve()
                and path.parent.name.isdigit() and len(path.parent.name) == 1):
            raise ValueError(f"not a kept drawing: {path}")
        path.unlink(missing_ok=True)


def counts(drawings: list[MyDigit]) -> np.ndarray:
    """(10,) how many of the drawings show each digit."""
    return np.bincount([d.label for d in drawings], minlength=10)


def _read(path: Path) -> np.ndarray | None:
    try:
        with Image.open(path) as image:
            if image.size != (28, 28):
                return None
            return np.asarray(image.convert("L"), np.float32) / 255.0
    except (OSError, UnidentifiedImageError, ValueError):
        return None
