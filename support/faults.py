"""Real faults for the tests: a folder that cannot be written, a disk that fills up, processes that save
checkpoints or keep drawings until they are killed.

Both are small tmpfs mounts: root writes through file permissions but not through a
read-only mount, and a full tmpfs fails writes with ENOSPC as a full disk does. Mounting
needs root (as in CI); elsewhere these tests fail saying so rather than pass untested.
"""
from __future__ import annotations

import itertools
import multiprocessing as mp
import subprocess
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch

from cnn.checkpoint import save_checkpoint
from cnn.job import no_main_script
from cnn.model import Net
from cnn.my_digits import MyDigits


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


def keep_forever(folder: str) -> None:
    """Keep random drawings in `folder`'s MyDigits, one after another, until killed."""
    mine = MyDigits(folder)
    for seed in itertools.count():
        mine.add(np.random.default_rng(seed).random((28, 28), dtype=np.float32), seed % 10)


def fork_like_a_run(target, *args) -> mp.process.BaseProcess:
    """target(*args) in a daemon process forked from the fork server that training runs come from: it has
    imported PyTorch, so the process starts in a fraction of a second rather than the two or three of a fresh
    interpreter. With no page script to run first, as for runs (AppTest leaves the last page it ran as
    __main__, and a child runs its parent's __main__ before its target)."""
    process = mp.get_context("forkserver").Process(target=target, args=args, daemon=True)
    with no_main_script():
        process.start()
    return process
