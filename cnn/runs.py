"""The runs folder: one sub-folder per training run with its checkpoint and its record.

    runs/<name>/model.pt    the checkpoint (cnn.checkpoint)
    runs/<name>/run.json    its record (cnn.record.RunRecord): config, status, metrics and curves
    runs/<name>/owner.json  while it trains: the server following it (pid, host); its mtime is a heartbeat

The folder is $CNN_RUNS_DIR, else ./runs. Run names are made here, never taken from paths.
"""
from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .atomic import remove_stale_temporaries, write_atomically
from .checkpoint import load_checkpoint
from .errors import CheckpointError
from .record import RunRecord, Status

RUNS_ENV = "CNN_RUNS_DIR"
CHECKPOINT = "model.pt"
RECORD = "run.json"
OWNER = "owner.json"
HEARTBEAT_EVERY = 10.0  # seconds between a live server's touches of its run's owner file
HEARTBEAT_STALE = 45.0  # an owner file untouched this long belongs to a server that is gone
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MAX_MODEL_MB = 200  # the largest network the app trains, saved mid-run with its optimizer state, is about 110 MB


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


def add_model(data: bytes, filename: str, root: str | os.PathLike | None = None) -> str:
    """Save an uploaded checkpoint as a run of its own ("uploaded-<file name>-<time>"), listed like one
    `python -m cnn.train` saved; its name. Raises CheckpointError, saving nothing, for a file over
    MAX_MODEL_MB or anything but this project's checkpoint (read weights-only: it can never run code)."""
    shown = Path(filename).name or "the file"
    if len(data) > MAX_MODEL_MB * 2**20:
        raise CheckpointError(f"{shown} is {len(data) / 2**20:.0f} MB: a model of this app is at most "
                              f"{MAX_MODEL_MB} MB.")
    with tempfile.TemporaryDirectory() as tmp:  # checked where nothing lists it
        path = Path(tmp) / CHECKPOINT
        path.write_bytes(data)
        try:
            load_checkpoint(path)
        except CheckpointError as e:  # its messages name the file checked: name the user's instead
            raise CheckpointError(str(e).replace(str(path), shown)) from None
    name = new_run_name(f"uploaded-{Path(shown).stem}")
    write_atomically(run_dir(name, root) / CHECKPOINT, lambda f: f.write(data))
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
    status: Status
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


def write_record(folder: Path, record: RunRecord) -> None:
    """Write run.json atomically (temporary file, then rename)."""
    write_atomically(folder / RECORD, lambda f: f.write(record.to_json().encode()))


def read_record(folder: Path) -> RunRecord:
    """The run's record. Raises OSError when it cannot be read, ValueError when it is not a record."""
    return RunRecord.from_json((folder / RECORD).read_bytes())


def list_runs(root: str | os.PathLike | None = None, active: str | None = None) -> list[RunInfo]:
    """Every run folder with a checkpoint or a record, newest first. A run whose record cannot
    be read is listed as such rather than hidden; one recorded as running that is not `active`
    (the run in progress) nor followed by another live server was cut off, e.g. by the server
    being killed: "interrupted". Temporaries left by saves cut off by a crash are removed."""
    root = runs_root(root)
    if not root.is_dir():
        return []
    folders = [folder for folder in root.iterdir() if folder.is_dir() and _SAFE_NAME.match(folder.name)
               and ((folder / CHECKPOINT).is_file() or (folder / RECORD).is_file())]
    for folder in folders:
        remove_stale_temporaries(folder)
    runs = [_info(folder, active) for folder in folders]
    return sorted(runs, key=lambda r: r.created, reverse=True)


def _info(folder: Path, active: str | None) -> RunInfo:
    saved = folder / CHECKPOINT if (folder / CHECKPOINT).is_file() else folder / RECORD
    modified = datetime.fromtimestamp(saved.stat().st_mtime)
    if not (folder / RECORD).exists():  # e.g. saved by `python -m cnn.train`: a checkpoint alone
        return RunInfo(folder.name, folder, modified, Status.SAVED, None)
    try:
        record = read_record(folder)
    except (OSError, ValueError):  # the checkpoint may still be fine
        return RunInfo(folder.name, folder, modified, Status.UNREADABLE, None)
    status = record.status
    if status is Status.RUNNING and folder.name != active and not owned_elsewhere(folder):
        status = Status.INTERRUPTED
    return RunInfo(folder.name, folder, record.started or modified, status, record.metrics.test_acc)


def claim(folder: Path) -> None:
    """Mark the run in `folder` as followed by this server, for servers sharing the runs folder."""
    owner = {"pid": os.getpid(), "host": socket.gethostname()}
    write_atomically(folder / OWNER, lambda f: f.write(json.dumps(owner).encode()))


def heartbeat(folder: Path) -> None:
    """Say that this server still follows the run (touch its owner file)."""
    os.utime(folder / OWNER)


def release(folder: Path) -> None:
    """Say that this server no longer follows the run (its record now says how it ended)."""
    try:
        (folder / OWNER).unlink(missing_ok=True)
    except OSError:  # a folder that turned read-only: the stale owner file ages out instead
        pass


def owned_elsewhere(folder: Path) -> bool:
    """Whether another live server follows the run in `folder`: its owner file was touched lately
    and, where that server is on this host, its process is alive."""
    try:
        age = time.time() - (folder / OWNER).stat().st_mtime
        owner = json.loads((folder / OWNER).read_text())
        pid, host = int(owner["pid"]), str(owner["host"])
    except (OSError, ValueError, TypeError, KeyError):
        return False
    if age > HEARTBEAT_STALE:
        return False
    if host != socket.gethostname():
        return True  # another machine sharing the folder: its heartbeat is all we can see
    return pid != os.getpid() and _alive(pid)


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there: trust the heartbeat
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
