"""A training run in a background thread, with thread-safe progress, and a one-run registry.

The app's page scripts rerun and get cancelled on every click, so a run cannot live in
them: it lives here, in a thread that outlives every script run and never touches Streamlit.
Pages read `snapshot()`, a copy taken under the lock, as often as they like.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from .data import Split
from .model import Net
from .runs import CHECKPOINT, new_run_name, run_dir, write_record
from .train import Event, TrainConfig, train

FILTER_EVERY = 10  # steps between copies of the conv1 filters for the live picture


@dataclass(frozen=True)
class Snapshot:
    name: str
    status: str  # "running", then "finished", "stopped", "diverged" or "failed"
    step: int
    total_steps: int
    epoch: float
    images_per_sec: float
    losses: list[float]  # every step
    train_accs: list[float]  # every step, on the training batch
    evals: list[tuple[int, float, float, bool]]  # (step, test accuracy, test loss, on the full test set)
    filters: np.ndarray | None  # (32, 1, 5, 5) conv1 weights, copied every FILTER_EVERY steps
    message: str
    test_acc: float | None  # the final full evaluation
    batch_size: int
    started: datetime = field(default_factory=datetime.now)

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def seconds_left(self) -> float | None:
        if not self.images_per_sec:
            return None
        return (self.total_steps - self.step) * self.batch_size / self.images_per_sec


class TrainingJob:
    def __init__(self, config: TrainConfig, folder: Path, data: tuple[Split, Split] | None = None):
        self.config, self.folder, self.name = config, folder, folder.name
        self.started = datetime.now()
        self._data = data
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._model = Net()  # trained in place by the thread; read only by the thread
        self._progress = dict(status="running", step=0, total_steps=0, epoch=0.0, images_per_sec=0.0,
                              message="Loading MNIST...", test_acc=None)
        self._losses: list[float] = []
        self._accs: list[float] = []
        self._evals: list[tuple[int, float, float, bool]] = []
        self._filters: np.ndarray | None = None
        self._weights: tuple[int, dict | None] = (0, None)  # (version, state_dict copy)
        self._thread = threading.Thread(target=self._run, name=f"train-{self.name}", daemon=True)

    def start(self) -> None:
        self._save_record()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(self.name, losses=list(self._losses), train_accs=list(self._accs),
                            evals=list(self._evals), filters=self._filters, batch_size=self.config.batch_size,
                            started=self.started, **self._progress)

    def latest_weights(self) -> tuple[int, dict | None]:
        """(version, state_dict) as of the latest evaluation; the version grows with each copy."""
        with self._lock:
            return self._weights

    def _run(self) -> None:
        try:
            result = train(self.config, self._on_event, self._stop, self.folder / CHECKPOINT, self._data, self._model)
            update = dict(status=result.status, message=result.message, test_acc=result.metrics["test_acc"])
        except Exception as e:  # noqa: BLE001 - whatever it was, the page reports it and the server lives on
            update = dict(status="failed", message=f"Training failed: {e}")
        with self._lock:
            self._progress.update(update)
        self._save_record()

    def _on_event(self, event: Event) -> None:
        """Called on the training thread: copy what the pages need, under the lock."""
        filters = weights = None
        if event.kind in ("start", "eval") or (event.kind == "step" and event.step % FILTER_EVERY == 0):
            filters = self._model.conv1.weight.detach().float().cpu().numpy().copy()  # (32, 1, 5, 5)
        if event.kind == "eval":
            weights = {k: v.detach().to("cpu", copy=True) for k, v in self._model.state_dict().items()}
        with self._lock:
            p = self._progress
            p.update(step=event.step, total_steps=event.total_steps, epoch=event.epoch,
                     images_per_sec=event.images_per_sec or p["images_per_sec"])
            if event.kind == "start":
                p["message"] = "Training..."
            if event.kind == "step":
                self._losses.append(event.loss)
                self._accs.append(event.acc)
            if event.kind == "eval":
                self._evals.append((event.step, event.test_acc, event.test_loss, event.full_eval))
                self._weights = (self._weights[0] + 1, weights)
            if filters is not None:
                self._filters = filters
        if event.kind == "eval" and event.full_eval:
            self._save_record()  # curves survive a crash up to the last epoch

    def _save_record(self) -> None:
        s = self.snapshot()
        write_record(self.folder, {
            "name": s.name, "started": s.started.isoformat(), "status": s.status, "message": s.message,
            "config": self.config.to_dict(),
            "metrics": {"test_acc": s.test_acc, "steps": s.step, "epochs": s.epoch, "images_per_sec": s.images_per_sec},
            "curves": {"losses": s.losses, "train_accs": s.train_accs, "evals": s.evals},
        })


class Registry:
    """The server's one training run. Start while one runs returns that one instead."""

    def __init__(self, root: str | Path | None = None):
        self.root = root
        self._lock = threading.Lock()
        self._job: TrainingJob | None = None

    @property
    def current(self) -> TrainingJob | None:
        """The latest job, running or ended (None before the first)."""
        return self._job

    def start(self, config: TrainConfig, data: tuple[Split, Split] | None = None) -> tuple[TrainingJob, bool]:
        """(job, started): started is False when a run was already going (that run is returned)."""
        with self._lock:
            if self._job and self._job.running:
                return self._job, False
            folder = run_dir(self._free_name(config.preset), self.root)
            self._job = TrainingJob(config, folder, data)
            self._job.start()
            return self._job, True

    def _free_name(self, preset: str) -> str:
        name = base = new_run_name(preset)
        n = 1
        while run_dir(name, self.root).exists():  # two starts within one second
            n += 1
            name = f"{base}-{n}"
        return name


def model_from_weights(weights: dict) -> Net:
    """An eval-mode model holding a copy of `weights` (e.g. a running job's latest)."""
    model = Net()
    model.load_state_dict(weights)
    return model.eval()

