"""One typed record of a training run: how it is going or how it ended, its metrics and its curves.

The trainer reports into it, the training job keeps it up to date (and adds the live extras
in `cnn.job.Snapshot`), the runs folder stores it as run.json, and pages show it. Written
with a format version; files without one are version 1, the first format, and still load.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

FORMAT_VERSION = 1


class Status(StrEnum):
    """Where a run stands. The first five are recorded; the last three only describe a listed folder."""

    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"  # by the user (or its server going away): evaluated and saved all the same
    DIVERGED = "diverged"  # the loss blew up; the last good checkpoint was kept
    FAILED = "failed"  # it could not go on: MNIST missing, the checkpoint could not be saved...
    INTERRUPTED = "interrupted"  # recorded as running, but no live server follows it any more
    SAVED = "saved"  # a checkpoint with no record (e.g. from `python -m cnn.train`)
    UNREADABLE = "record unreadable"

    @property
    def succeeded(self) -> bool:
        """Whether the run trained as far as it was asked to go (to its end, or until stopped)."""
        return self in (Status.FINISHED, Status.STOPPED)


class Eval(NamedTuple):
    """One test-set evaluation during a run."""

    step: int
    accuracy: float
    loss: float
    full: bool  # on all 10,000 test images (at each epoch's end), or a quick subset


class LayerStats(NamedTuple):
    """One layer's weights at one moment of a run: how large they are, how large their last gradient
    was, and how they are spread (counts in HIST_BINS equal bins over [-bound, bound], the same bins
    for the whole run, so that the spread now compares with the spread at the start)."""

    weight_norm: float
    grad_norm: float  # of the last step's gradient (0 at the start: no step yet)
    bound: float
    counts: list[int]


HIST_BINS = 40


@dataclass(frozen=True)
class Metrics:
    """A run's figures so far (or final), as the checkpoint, run.json and `--json` hold them."""

    test_acc: float | None = None  # the latest evaluation on the full test set
    test_loss: float | None = None
    steps: int = 0
    epochs: float = 0.0  # fractional epochs done
    seconds: float | None = None  # wall time of the whole run, once it has ended
    images_per_sec: float = 0.0  # training throughput (evaluations excluded)
    device: str = ""  # where it trains: "cpu", "cuda"...
    precision: str = ""  # "float32" or "bfloat16" (autocast)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Metrics:
        """From a stored dict; keys this version does not know (an older format's) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class RunRecord:
    name: str
    started: datetime | None  # None only in a record written by hand or by a version before the app's first
    status: Status
    message: str = ""
    config: dict = field(default_factory=dict)  # cnn.train.TrainConfig.to_dict(): plain settings
    metrics: Metrics = Metrics()
    report: dict | None = None  # a fine-tuning run's accuracy before and after (cnn.finetune)
    losses: list[float] = field(default_factory=list)  # the training loss at every step
    train_accs: list[float] = field(default_factory=list)  # accuracy on each step's training batch
    evals: list[Eval] = field(default_factory=list)
    lr_changes: list[tuple[int, float]] = field(default_factory=list)  # (steps done, the learning rate after)
    # (step, {layer: LayerStats}) at the start and at each evaluation: conv1.., fc1, logits.
    layers: list[tuple[int, dict[str, LayerStats]]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({
            "version": FORMAT_VERSION, "name": self.name, "started": self.started and self.started.isoformat(),
            "status": str(self.status), "message": self.message, "config": self.config,
            "metrics": self.metrics.to_dict(), "report": self.report,
            "curves": {"losses": self.losses, "train_accs": self.train_accs, "evals": self.evals,
                       "lr_changes": self.lr_changes, "layers": self.layers},
        })

    @classmethod
    def from_json(cls, text: str | bytes) -> RunRecord:
        """Raises ValueError for anything that is not a record this version can read. Only the status
        is required: everything else has a default, for records written by hand or cut short."""
        try:
            record = json.loads(text)
            version = record.get("version", 1)
            if version > FORMAT_VERSION:
                raise ValueError(f"run.json was written by a newer version of this app (format {version})")
            curves, started = record.get("curves") or {}, record.get("started")
            return cls(
                name=str(record.get("name", "")), started=datetime.fromisoformat(started) if started else None,
                status=Status(record["status"]), message=str(record.get("message", "")),
                config=dict(record.get("config") or {}), metrics=Metrics.from_dict(record.get("metrics") or {}),
                report=record.get("report"), losses=[float(v) for v in curves.get("losses", [])],
                train_accs=[float(v) for v in curves.get("train_accs", [])],
                evals=[Eval(int(s), float(a), float(lo), bool(f)) for s, a, lo, f in curves.get("evals", [])],
                lr_changes=[(int(s), float(lr)) for s, lr in curves.get("lr_changes", [])],
                layers=[(int(step), {name: LayerStats(float(w), float(g), float(b), [int(c) for c in counts])
                                     for name, (w, g, b, counts) in stats.items()})
                        for step, stats in curves.get("layers", [])],
            )
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"run.json does not hold a run record ({type(e).__name__}: {e})") from e
