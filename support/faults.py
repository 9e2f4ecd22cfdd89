"""Real faults for the tests: a folder that cannot be written, a disk that fills up, a process that saves
checkpoints until it is killed.

Both are small tmpfs mounts: root writes through file permissions but not through a
read-only mount, and a full tmpfs fails writes with ENOSPC as a full disk does. Mounting
needs root (as in CI); elsewhere these tests fail saying so rather than pass untested.
"""
from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

from cnn.checkpoint import save_checkpoint
from cnn.model import Net


@contextmanager
def _tmpfs(path: Path, options: str):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"cannot mount a tmpfs to make the fault ({done.stderr.strip()}): run these tests as root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def read_only(path: Path):
    """An empty folder that nothing can be written to."""
    return _tmpfs(path, "ro,size=1m")


def full_disk(path: Path):
    """A folder on a 1 MB disk: a run's record fits, a checkpoint (6.6 to 13 MB) does not."""
    return _tmpfs(path, "size=1m")


def save_forever(path: str) -> None:
    """Save a checkpoint at `path` over and over, its logits' bias filled with the save's number (as is its
    metrics' "step"), until killed."""
    model, step = Net(), 0
    while True:
        step += 1
        with torch.no_grad():
            model.logits.bias.fill_(step)
        save_checkpoint(path, model, metrics={"step": step})
