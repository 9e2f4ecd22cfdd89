"""The runs folder: one sub-folder per training run with its checkpoint and its record.

    runs/<name>/model.pt    the checkpoint (cnn.checkpoint)
    runs/<name>/run.json    config, status, metrics and curves, for listing and replaying

The folder is $CNN_RUNS_DIR, else ./runs. Run names are made here, never taken from paths.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

RUNS_ENV = "CNN_RUNS_DIR"
CHECKPOINT = "model.pt"
RECORD = "run.json"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def runs_root(root: str | os.PathLike | None = None) -> Path:
    return Path(root or os.environ.get(RUNS_ENV) or "runs")


def new_run_name(preset: str, now: datetime | None = None) -> str:
    """<preset>-<YYYYmmdd-HHMMSS>, e.g. fast-20261127-231500."""
    name = f"{preset}-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
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
    status: str  # finished, stopped, diverged, running, "saved" (no record) or "record unreadable"
    test_acc: float | None

    @property
    def checkpoint(self) -> Path:
        return self.folder / CHECKPOINT

    @property
    def label(self) -> str:
        acc = f"{self.test_acc:.2%}" if self.test_acc is not None else "no accuracy"
        return f"{self.name} · {self.created:%Y-%m-%d %H:%M} · {acc} · {self.status}"


def write_record(folder: Path, record: dict) -> None:
    """Write run.json atomically (temporary file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{RECORD}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(record, f)
        os.replace(tmp, folder / RECORD)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_record(folder: Path) -> dict:
    with open(folder / RECORD) as f:
        record = json.load(f)
    if not isinstance(record, dict):
        raise ValueError("run.json does not hold a record")
    return record


def list_runs(root: str | os.PathLike | None = None) -> list[RunInfo]:
    """Every run folder with a checkpoint, newest first; a run whose record cannot be read is
    listed as such rather than hidden."""
    root = runs_root(root)
    if not root.is_dir():
        return []
    runs = [_info(folder) for folder in root.iterdir()
            if folder.is_dir() and _SAFE_NAME.match(folder.name) and (folder / CHECKPOINT).is_file()]
    return sorted(runs, key=lambda r: r.created, reverse=True)


def _info(folder: Path) -> RunInfo:
    modified = datetime.fromtimestamp((folder / CHECKPOINT).stat().st_mtime)
    if not (folder / RECORD).exists():  # e.g. saved by `python -m cnn.train`: a checkpoint alone
        return RunInfo(folder.name, folder, modified, "saved", None)
    try:
        record = read_record(folder)
        created = datetime.fromisoformat(record.get("started") or modified.isoformat())
        acc = record.get("metrics", {}).get("test_acc")
        return RunInfo(folder.name, folder, created, str(record.get("status", "unknown")),
                       float(acc) if acc is not None else None)
    except (OSError, ValueError, TypeError, AttributeError):  # the checkpoint may still be fine
        return RunInfo(folder.name, folder, modified, "record unreadable", None)
