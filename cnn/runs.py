"""The runs folder: one sub-folder per training run with its checkpoint and its record.

    runs/<name>/model.pt    the checkpoint (cnn.checkpoint)
    runs/<name>/run.json    config, status, metrics and curves, for listing and replaying

The folder is $CNN_RUNS_DIR, else ./runs. Run names are made here, never taken from paths.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .atomic import write_atomically

RUNS_ENV = "CNN_RUNS_DIR"
CHECKPOINT = "model.pt"
RECORD = "run.json"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def runs_root(root: str | os.PathLike | None = None) -> Path:
    return Path(root or os.environ.get(RUNS_ENV) or "runs")


def new_run_name(label: str, now: datetime | None = None) -> str:
    """<label>-<YYYYmmdd-HHMMSS>, e.g. fast-20261127-231500. The label may be anything a user
    typed: only letters, digits, '_' and '-' are kept, so it can never name a path."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-_")[:40] or "run"
    name = f"{slug}-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
    if not _SAFE_NAME.match(name):
        raise ValueError(f"not a safe run name: {name!r}")
    return name


def run_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of run `name`, refusing names that could leave the runs folder."""
    if not _SAFE_NAME.match(name or ""):
        raise ValueError(f"not a valid run name: {name!r} (letters, digits, '.', '_' and '-' only)")
    return runs_root(root) / name


@dataclass(frozen=True)
class RunInfo:
    name: str
    folder: Path
    created: datetime
    status: str  # finished, stopped, diverged, failed, running, interrupted, "saved" (no record), "record unreadable"
    test_acc: float | None

    @property
    def checkpoint(self) -> Path:
        return self.folder / CHECKPOINT

    @property
    def has_checkpoint(self) -> bool:
        return self.checkpoint.is_file()

    @property
    def label(self) -> str:
        acc = f"{self.test_acc:.2%}" if self.test_acc is not None else "no accuracy"
        return f"{self.name} · {self.created:%Y-%m-%d %H:%M} · {acc} · {self.status}"


def write_record(folder: Path, record: dict) -> None:
    """Write run.json atomically (temporary file, then rename)."""
    write_atomically(folder / RECORD, lambda f: f.write(json.dumps(record).encode()))


def read_record(folder: Path) -> dict:
    with open(folder / RECORD) as f:
        record = json.load(f)
    if not isinstance(record, dict):
        raise ValueError("run.json does not hold a record")
    return record


def list_runs(root: str | os.PathLike | None = None, active: str | None = None) -> list[RunInfo]:
    """Every run folder with a checkpoint or a record, newest first. A run whose record cannot
    be read is listed as such rather than hidden; one recorded as running that is not `active`
    (the run in progress) was cut off, e.g. by the server being killed: "interrupted"."""
    root = runs_root(root)
    if not root.is_dir():
        return []
    runs = [_info(folder, active) for folder in root.iterdir()
            if folder.is_dir() and _SAFE_NAME.match(folder.name)
            and ((folder / CHECKPOINT).is_file() or (folder / RECORD).is_file())]
    return sorted(runs, key=lambda r: r.created, reverse=True)


def _info(folder: Path, active: str | None) -> RunInfo:
    saved = folder / CHECKPOINT if (folder / CHECKPOINT).is_file() else folder / RECORD
    modified = datetime.fromtimestamp(saved.stat().st_mtime)
    if not (folder / RECORD).exists():  # e.g. saved by `python -m cnn.train`: a checkpoint alone
        return RunInfo(folder.name, folder, modified, "saved", None)
    try:
        record = read_record(folder)
        created = datetime.fromisoformat(record.get("started") or modified.isoformat())
        acc = record.get("metrics", {}).get("test_acc")
        status = str(record.get("status", "unknown"))
        if status == "running" and folder.name != active:
            status = "interrupted"
        return RunInfo(folder.name, folder, created, status, float(acc) if acc is not None else None)
    except (OSError, ValueError, TypeError, AttributeError):  # the checkpoint may still be fine
        return RunInfo(folder.name, folder, modified, "record unreadable", None)
