"""The training loop, its config dataclass and the command line (`python -m cnn.train`).

Speed comes from keeping MNIST as one in-memory tensor and slicing batches out of it (no
Dataset, no DataLoader, no per-image PIL work) and from batched augmentation; see bench/.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

import torch
import torch.nn.functional as F

from .augment import AugmentConfig, augment
from .checkpoint import FILTER_HISTORY, RESUME, save_checkpoint
from .data import Split, load_split
from .errors import ConfigError, DataError, SaveError, is_int, is_number
from .evaluate import BATCH as EVAL_BATCH
from .hardware import PRECISIONS, flush_subnormals, precision_name, resolve_device, resolve_precision
from .model import KERNELS, ModelConfig, Net
from .record import HIST_BINS, LayerStats, Metrics, Status

OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
SCHEDULES = ("constant", "onecycle")
# A cross-entropy this high means logits in the thousands: the weights have blown up, and a
# ReLU network that far gone rarely comes back (from 2.3 at the start; 0.01-0.3 when training).
DIVERGED_ABOVE = 1e4

# Each preset is a full recipe; command-line flags and keyword arguments override parts of it.
PRESETS: dict[str, dict] = {
    # The original TensorFlow tutorial: plain SGD, lr 0.001, batch 100, 20,000 steps (~97%).
    "tutorial": dict(optimizer="sgd", lr=0.001, batch_size=100, epochs=34, max_steps=20_000,
                     schedule="constant", augment=False),
    # One epoch of Adam on a one-cycle schedule: 99%+ in under a minute on a laptop CPU.
    # Batch 64 over 128 buys ~0.05% accuracy for one epoch's budget: 99.18% against 99.13% on average
    # over seeds 0-5. Batch 128 trains faster per image but ends below 99.1% on seeds 0, 3 and 4.
    "fast": dict(optimizer="adam", lr=3e-3, batch_size=64, epochs=1, schedule="onecycle", augment=False),
    # Augmented like people draw (rotation, slant, size, shift, stroke width) for ~10 epochs.
    "best": dict(optimizer="adamw", lr=3e-3, batch_size=128, epochs=10, schedule="onecycle", augment=True,
                 weight_decay=0.05),
}


@dataclass(frozen=True)
class TrainConfig:
    preset: str = "fast"
    optimizer: str = "adam"
    lr: float = 2e-3
    batch_size: int = 64
    epochs: int = 1
    max_steps: int | None = None  # stop after this many steps even if epochs remain
    schedule: str = "onecycle"
    augment: bool = False
    weight_decay: float = 0.0
    seed: int = 0
    eval_every: int = 0  # steps between quick test-subset evaluations; 0: about ten per run
    eval_subset: int = 1000  # test images in a quick evaluation (a full one uses all)
    device: str = "auto"
    precision: str = "auto"  # auto: bfloat16 mixed precision where the hardware does it natively (cnn.hardware)
    data_dir: str | None = None
    network: ModelConfig = field(default_factory=ModelConfig)  # the tutorial network unless designed otherwise

    def __post_init__(self):
        problem = next((message for ok, message in self._checks() if not ok), None)
        if problem:
            raise ConfigError(problem)
        resolve_device(self.device)  # ConfigError where this machine lacks it

    def _checks(self):
        """(ok, what to say if not) for each setting, in order: lazily, so that a check runs only
        once the ones before it (e.g. that epochs is a number) have passed."""
        choices = {"preset": PRESETS, "optimizer": OPTIMIZERS, "precision": PRECISIONS, "schedule": SCHEDULES}
        for name, allowed in choices.items():
            value = getattr(self, name)
            yield value in allowed, f"unknown {name} {value!r}; choose one of {', '.join(allowed)}"
        lr, batch, epochs, steps = self.lr, self.batch_size, self.epochs, self.max_steps
        yield valid_lr(lr), lr_problem(lr)
        yield is_int(batch) and batch >= 1, f"batch size must be a whole number of at least 1, got {batch!r}"
        yield is_int(epochs) and epochs >= 0, f"epochs must be a whole number of 0 or more, got {epochs!r}"
        yield steps is None or (is_int(steps) and steps >= 1), f"max steps must be at least 1, got {steps!r}"
        yield epochs > 0 or steps is not None, "nothing to train: epochs is 0 and no max steps is set"
        wd, every, subset = self.weight_decay, self.eval_every, self.eval_subset
        yield is_number(wd) and wd >= 0, f"weight decay must be 0 or more, got {wd!r}"
        yield is_int(every) and every >= 0, f"eval_every must be 0 or more, got {every!r}"
        yield is_int(subset) and subset >= 1, f"eval_subset must be at least 1, got {subset!r}"
        yield is_int(self.seed), f"seed must be a whole number, got {self.seed!r}"
        yield isinstance(self.network, ModelConfig), f"network must be a ModelConfig, got {type(self.network).__name__}"

    def to_dict(self) -> dict:
        return {**asdict(self), "network": self.network.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """From to_dict's form (a run's record); settings this version does not know are ignored, and
        a record from before network design trained the tutorial network. Raises ConfigError."""
        try:
            network = ModelConfig.from_dict(d.get("network") or {})
        except TypeError as e:
            raise ConfigError(f"unknown network setting: {e}") from e
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__ and k != "network"}
        return cls(**known, network=network)


def valid_lr(lr) -> bool:
    return is_number(lr) and math.isfinite(lr) and lr > 0


def lr_problem(lr) -> str:
    return f"learning rate must be a number above 0, got {lr!r}"


def make_config(preset: str = "fast", **overrides) -> TrainConfig:
    """The preset's recipe with the given settings changed (None means "keep the preset's")."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    unknown = set(overrides) - set(TrainConfig.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    settings = {**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
    return TrainConfig(preset=preset, **settings)


@dataclass(frozen=True)
class Event:
    """Progress reported to the callback: every step, every evaluation, start and end, and each
    pause, resume and change of learning rate."""

    kind: str  # "start" | "step" | "eval" | "end" | "paused" | "resumed" | "lr"
    step: int
    total_steps: int
    epoch: float  # fractional epochs done
    loss: float | None = None  # this step's training loss
    acc: float | None = None  # this step's training-batch accuracy
    images_per_sec: float | None = None  # training throughput so far (evaluation excluded)
    test_acc: float | None = None
    test_loss: float | None = None
    full_eval: bool = False  # all test images, or a quick subset
    status: Status = Status.RUNNING  # at the end: how the run ended
    message: str = ""
    device: str = ""  # at the start: where the run trains ("cpu", "cuda"...)
    precision: str = ""  # at the start: "float32" or "bfloat16" (autocast)
    lr: float | None = None  # "lr": the learning rate from this step on
    layers: dict[str, LayerStats] | None = None  # "start" and "eval": each layer's weights and gradient


class Control:
    """Pause, resume, single steps and learning-rate changes for a run, from another thread.

    Before each step the trainer calls `wait_turn`: it returns at once while the run is going;
    while paused it waits until the run is resumed, granted one step, or stopped. A paused run
    keeps everything in place (weights, optimizer state, schedule, data order), so resuming
    continues exactly where it stopped.
    """

    def __init__(self):
        self._changed = threading.Condition()
        self._paused = False
        self._steps = 0  # single steps granted while paused, not yet taken
        self._lr: float | None = None  # a new learning rate, not yet applied

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        with self._changed:
            self._paused = True

    def resume(self) -> None:
        with self._changed:
            self._paused, self._steps = False, 0
            self._changed.notify_all()

    def step(self) -> None:
        """Train one batch, then stay paused (nothing happens unless paused)."""
        with self._changed:
            if self._paused:
                self._steps += 1
                self._changed.notify_all()

    def set_lr(self, lr: float) -> None:
        """Use learning rate `lr` from the next step on (runs with the constant schedule)."""
        if not valid_lr(lr):
            raise ConfigError(lr_problem(lr))
        with self._changed:
            self._lr = float(lr)

    def take_lr(self) -> float | None:
        with self._changed:
            lr, self._lr = self._lr, None
            return lr

    def wait_turn(self, stop) -> None:
        """Return when the next step may run (or the run is to stop). `stop` may be set from another
        process, which cannot notify this condition: it is looked at every tenth of a second."""
        with self._changed:
            while self._paused and not self._steps and not stop.is_set():
                self._changed.wait(0.1)
            if self._paused and self._steps:
                self._steps -= 1


@dataclass
class TrainResult:
    status: Status  # finished, stopped, diverged or failed
    model: Net
    metrics: Metrics
    checkpoint: Path | None
    message: str
    extra: dict = field(repr=False, default_factory=dict)  # saved with the checkpoint: the filter history


def train(
    config: TrainConfig,
    on_event: Callable[[Event], None] | None = None,
    stop: threading.Event | None = None,
    out: str | os.PathLike | None = None,
    data: tuple[Split, Split] | None = None,
    model: Net | None = None,
    control: Control | None = None,
    resume: dict | None = None,
) -> TrainResult:
    """Run one training run. `stop` ends it within one step; `out` receives the checkpoint
    after every epoch and at the end (never after a divergence, so the last good one stays);
    `data` replaces MNIST (train, test); `model` continues training an existing network;
    `control` pauses, resumes, steps it and changes its learning rate; `resume` (with `model`, both
    from a checkpoint saved at an epoch's end or when stopped: Checkpoint.resume_state()) continues a
    run from there as if it had never stopped."""
    run = _Run(config, on_event or (lambda event: None), stop or threading.Event(), out, data, model, control)
    if resume:
        run.restore(resume)
    return run.execute()


class _Run:
    """The state of one training run, split into steps small enough to read."""

    def __init__(self, config, on_event, stop, out, data, model, control):
        self.config, self.emit, self.stop = config, on_event, stop
        self.control = control or Control()
        self.out = Path(out) if out else None
        self.device = resolve_device(config.device)
        if self.device.type == "cpu":
            flush_subnormals()  # before load_split's work starts torch's threads, so that they inherit it
            torch.set_num_threads(os.cpu_count() or 1)
        train_set, test_set = data or (load_split(True, config.data_dir), load_split(False, config.data_dir))
        self.x, self.y = train_set.images.to(self.device), train_set.labels.to(self.device)
        self.test = Split(test_set.images.to(self.device), test_set.labels.to(self.device))
        self.quick_test = Split(self.test.images[: config.eval_subset], self.test.labels[: config.eval_subset])
        self.amp_dtype = resolve_precision(config.precision, self.device)
        torch.manual_seed(config.seed)
        # channels_last lets oneDNN/cuDNN run the convolutions and pools without reordering.
        self.model = (model or Net(config.network)).to(self.device, memory_format=torch.channels_last)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.order: torch.Tensor | None = None  # an epoch's order of the training images, (N,)
        self.order_epoch = -1  # the epoch it is for
        self.weighted_layers = [n for n in self.model.config.layers if not n.startswith("pool")]  # conv*, fc1, logits
        self.hist_bounds: dict[str, float] = {}  # each layer's histogram range, set at the start
        self.steps_per_epoch = math.ceil(len(self.y) / config.batch_size)
        self.total = int(min(config.epochs * self.steps_per_epoch, config.max_steps or math.inf))
        self.eval_every = config.eval_every or max(1, self.total // 10)
        self.optimizer = _make_optimizer(self.model, config, self.device)
        self.schedule = _make_schedule(self.optimizer, config, self.total)
        self.augment = AugmentConfig() if config.augment else None
        self.step = 0
        self.images_seen = 0
        self.train_seconds = 0.0
        self.last_eval: tuple[float, float] | None = None  # (acc, loss) on the full test set
        self.filter_steps: list[int] = []  # the steps at which conv1's filters were kept
        self.filters: list[torch.Tensor] = []  # (C1, 1, k, k) each: at the start and every evaluation

    def execute(self) -> TrainResult:
        started = time.perf_counter()
        self.emit(Event("start", self.step, self.total, self.step / self.steps_per_epoch, device=self.device.type,
                        precision=precision_name(self.amp_dtype), layers=self._layer_stats()))
        self._keep_filters()
        try:
            status, message = self._loop()
            if status is not Status.DIVERGED:
                # A stopped run keeps what resuming needs: it may have been stopped by its server going away.
                self._evaluate_and_save(resumable=status is Status.STOPPED)
        except SaveError as e:  # e.g. the disk is full: end here, the last saved checkpoint is whole
            status, message = Status.FAILED, str(e)
        metrics = self._metrics(time.perf_counter() - started)
        self.emit(self._event("end", test_acc=metrics.test_acc, test_loss=metrics.test_loss,
                              full_eval=True, status=status, message=message))
        checkpoint = self.out if self.out and self.out.exists() else None
        return TrainResult(status, self.model.eval(), metrics, checkpoint, message, self._extra())

    def _loop(self) -> tuple[Status, str]:
        """Train until the step budget is spent, the stop flag is set or the loss blows up."""
        for idx in self._batches():
            self._wait_if_paused()
            if self.stop.is_set():
                return Status.STOPPED, f"Stopped at step {self.step} of {self.total}."
            self._apply_new_lr()
            loss, acc = self._train_step(idx)
            if not loss < DIVERGED_ABOVE:  # NaN and infinity included
                return Status.DIVERGED, (f"The loss reached {loss:.3g} at step {self.step}: training diverged (the "
                                    f"learning rate is probably too high). The last good checkpoint was kept.")
            self.emit(self._event("step", loss=loss, acc=acc))
            if self.step % self.steps_per_epoch == 0 and self.step < self.total:
                self._evaluate_and_save(resumable=True)
            elif self.step % self.eval_every == 0 and self.step < self.total:
                acc_q, loss_q = evaluate(self.model, self.quick_test)
                self._keep_filters()
                self.emit(self._event("eval", test_acc=acc_q, test_loss=loss_q, layers=self._layer_stats()))
        return Status.FINISHED, f"Finished {self.total} steps."

    def _wait_if_paused(self) -> None:
        """Hold here while paused, saying so first (again after each single step, which also sends
        that step's progress on at once), and say when the run goes on."""
        if not self.control.paused:
            return
        self.emit(self._event("paused"))
        self.control.wait_turn(self.stop)
        if not self.control.paused:
            self.emit(self._event("resumed"))

    def _apply_new_lr(self) -> None:
        """A learning rate set through the control takes effect at this step; a schedule, which
        sets the rate itself at every step, keeps it (pages offer the change only without one)."""
        lr = self.control.take_lr()
        if lr is None or self.schedule is not None:
            return
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.emit(self._event("lr", lr=lr))

    def _batches(self):
        """Index batches, reshuffled each epoch, until the step budget is spent. The order is kept on
        self with the epoch it is for, so that a run resumed mid-epoch goes on in the same order."""
        while True:
            epoch = self.step // self.steps_per_epoch
            if self.order_epoch != epoch:
                self.order, self.order_epoch = torch.randperm(len(self.y), generator=self.generator), epoch  # (N,)
            for idx in self.order.to(self.device).split(self.config.batch_size)[self.step % self.steps_per_epoch:]:
                if self.step >= self.total:
                    return
                yield idx

    def _train_step(self, idx: torch.Tensor) -> tuple[float, float]:
        t0 = time.perf_counter()
        images, labels = self.x[idx], self.y[idx]  # (B, 1, 28, 28), (B,): a slice, no copy per image
        self.model.train()
        if self.augment:
            images = augment(images, self.augment, self.generator)
        images = images.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, self.amp_dtype or torch.float32, enabled=self.amp_dtype is not None):
            logits = self.model(images)  # (B, 10)
        loss = F.cross_entropy(logits.float(), labels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if self.schedule:
            self.schedule.step()
        # .item() syncs the device once per step: needed anyway to catch a NaN at once.
        loss_value = loss.item()
        acc = (logits.argmax(1) == labels).float().mean().item()
        self.train_seconds += time.perf_counter() - t0
        self.step += 1
        self.images_seen += len(labels)
        return loss_value, acc

    def _evaluate_and_save(self, resumable: bool):
        """Evaluate on the whole test set and save; `resumable` adds what continuing from here needs
        (at an epoch's end, where the run may yet be cut off, and when stopped; a finished run keeps its
        file small)."""
        acc, loss = evaluate(self.model, self.test)
        self.last_eval = (acc, loss)
        self._keep_filters()
        if self.out:
            extra = {**self._extra(), RESUME: self._resume_state()} if resumable else self._extra()
            try:
                save_checkpoint(self.out, self.model, self.config.to_dict(), self._metrics().to_dict(), extra)
            except OSError as e:
                raise SaveError(f"Could not save the checkpoint to {self.out}: {e.strerror or e}. Training "
                                f"stopped at step {self.step}; the last checkpoint saved there is unchanged.") from e
        self.emit(self._event("eval", test_acc=acc, test_loss=loss, full_eval=True, layers=self._layer_stats()))

    def _layer_stats(self) -> dict[str, LayerStats]:
        """Each weighted layer's weight norm, last gradient norm and weight histogram. The histogram's
        range is set once, at three times the largest starting weight: trained weights rarely go past
        it (those that do count in the end bins), and one range lets the start and now compare."""
        stats = {}
        for name in self.weighted_layers:
            w = getattr(self.model, name).weight.detach().float()
            bound = self.hist_bounds.setdefault(name, 3 * float(w.abs().max()) or 1.0)
            grad = getattr(self.model, name).weight.grad
            counts = torch.histc(w.clamp(-bound, bound), bins=HIST_BINS, min=-bound, max=bound)
            stats[name] = LayerStats(float(w.norm()), float(grad.norm()) if grad is not None else 0.0, bound,
                                     [int(c) for c in counts.tolist()])
        return stats

    def _keep_filters(self) -> None:
        """Keep a copy of conv1's filters, for watching them form (once per step at most)."""
        if self.filter_steps and self.filter_steps[-1] == self.step:
            return
        self.filter_steps.append(self.step)
        self.filters.append(self.model.conv1.weight.detach().float().cpu().clone())

    def _resume_state(self) -> dict:
        """Everything besides the weights that decides the rest of the run: tensors and plain data only,
        for weights-only loading. The data order and augmentation come from self.generator, dropout
        from torch's global generator."""
        return {"optimizer": self.optimizer.state_dict(), "generator": self.generator.get_state(),
                "order": self.order, "order_epoch": self.order_epoch, "hist_bounds": self.hist_bounds,
                "schedule": self.schedule.state_dict() if self.schedule else None,
                "torch_rng": torch.get_rng_state(), "step": self.step, "images_seen": self.images_seen,
                "train_seconds": self.train_seconds}

    def restore(self, state: dict) -> None:
        """Continue from a _resume_state() (saved at an epoch's end, or when the run was stopped) with the
        weights of the same checkpoint."""
        self.optimizer.load_state_dict(state["optimizer"])
        if self.schedule:
            self.schedule.load_state_dict(state["schedule"])
        self.generator.set_state(state["generator"])
        self.order, self.order_epoch = state["order"], state["order_epoch"]
        self.hist_bounds = dict(state.get("hist_bounds", {}))
        torch.set_rng_state(state["torch_rng"])
        self.step, self.images_seen, self.train_seconds = state["step"], state["images_seen"], state["train_seconds"]
        steps, filters = state.get("history") or ([], [])
        self.filter_steps, self.filters = list(steps), [torch.as_tensor(f) for f in filters]

    def _extra(self) -> dict:
        return {FILTER_HISTORY: {"steps": torch.tensor(self.filter_steps), "filters": torch.stack(self.filters)}}

    def _event(self, kind: str, **fields) -> Event:
        return Event(kind, self.step, self.total, self.step / self.steps_per_epoch,
                     images_per_sec=self._images_per_sec(), **fields)

    def _images_per_sec(self) -> float:
        return self.images_seen / self.train_seconds if self.train_seconds else 0.0

    def _metrics(self, seconds: float | None = None) -> Metrics:
        acc, loss = self.last_eval or (None, None)
        return Metrics(test_acc=acc, test_loss=loss, steps=self.step, epochs=round(self.step / self.steps_per_epoch, 3),
                       seconds=seconds, images_per_sec=round(self._images_per_sec(), 1), device=self.device.type,
                       precision=precision_name(self.amp_dtype))


@torch.no_grad()
def evaluate(model: Net, split: Split, batch_size: int = EVAL_BATCH) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) of the model on a split, in eval mode. Batches of 250 rather
    than 1,000: the 10,000 test images in 3.0-3.2 s rather than 4.7-4.9 s (the bundled model, 2-core
    AMD EPYC), as each batch's feature maps stay nearer the CPU's caches."""
    was_training = model.training
    model.eval()
    correct, total_loss = 0, 0.0
    for images, labels in zip(split.images.split(batch_size), split.labels.split(batch_size)):
        logits = model(images)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(1) == labels).sum().item()
    model.train(was_training)
    return correct / len(split), total_loss / len(split)


def _make_optimizer(model: Net, config: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    params, lr, wd = model.parameters(), config.lr, config.weight_decay
    # fused: one kernel per step for all of a parameter's update. Adam over fc1's 3.2M weights
    # took a quarter of a float32 step on two cores with foreach kernels (torch.profiler), and
    # fused made the step 1.17x faster (bench/bench_trainer.py). MPS keeps foreach.
    fast = dict(fused=True) if device.type in ("cpu", "cuda") else dict(foreach=True)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd, **fast)
    if config.optimizer == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=wd, **fast)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd, **fast)
    return torch.optim.AdamW(params, lr=lr, weight_decay=wd, **fast)


def _make_schedule(optimizer, config: TrainConfig, total_steps: int):
    if config.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total_steps)
    return None


# ---------------------------------------------------------------- command line


def default_out(preset: str) -> Path:
    """runs/<preset>-<time>/model.pt under $CNN_RUNS_DIR (default ./runs)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(os.environ.get("CNN_RUNS_DIR") or "runs") / f"{preset}-{stamp}" / "model.pt"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cnn.train", description="Train the MNIST tutorial CNN.")
    p.add_argument("--preset", choices=list(PRESETS), default="fast",
                   help="tutorial: the original SGD recipe (~97%%); fast: 99%%+ in one epoch; "
                        "best: augmented, ~10 epochs")
    p.add_argument("--epochs", type=int, help="passes over the 60,000 training images")
    p.add_argument("--max-steps", type=int, help="stop after this many steps")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="learning rate (the peak, with the one-cycle schedule)")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS))
    p.add_argument("--schedule", choices=list(SCHEDULES))
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random rotation, slant, size, shift and stroke width")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--data-dir", help="folder holding MNIST/raw/ (default: $CNN_DATA_DIR, else ./data)")
    p.add_argument("--device", default=None, help="auto (default), cpu, cuda or mps")
    p.add_argument("--precision", choices=list(PRECISIONS),
                   help="auto (default): bfloat16 mixed precision where the CPU or GPU does it natively, "
                        "else float32")
    net = p.add_argument_group("network", "the tutorial's (conv 32, 64 · 5x5 · dense 1024 · dropout 0.4) unless set")
    net.add_argument("--conv-channels", type=_channels, metavar="C1[,C2[,C3]]",
                     help="one conv block (conv, ReLU, 2x2 max-pool) per number, e.g. 16,32")
    net.add_argument("--kernel", type=int, choices=KERNELS, help="the convolutions' kernel size")
    net.add_argument("--dense", type=int, metavar="UNITS", help="units of the hidden dense layer; 0 for none")
    net.add_argument("--dropout", type=float, help="dropout before the logits")
    net.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=None,
                     help="batch normalisation after each convolution")
    p.add_argument("--out", type=Path, help="checkpoint path (default: runs/<preset>-<time>/model.pt)")
    p.add_argument("--half", action="store_true", help="store the weights as float16 (half the size)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object on the last line")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.showwarning = _print_warning
    settings = {k: getattr(args, k) for k in ("epochs", "max_steps", "batch_size", "lr", "optimizer", "schedule",
                                              "augment", "weight_decay", "seed", "data_dir", "device", "precision")}
    try:
        config = make_config(args.preset, network=_network(args), **settings)
    except ConfigError as e:
        parser.error(str(e))
    out = args.out or default_out(args.preset)
    try:
        result = _train_with_progress_bar(config, out)
        if args.half and result.checkpoint:
            save_checkpoint(out, result.model, config.to_dict(), result.metrics.to_dict(), result.extra, half=True)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: could not write the checkpoint {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    _report(result, args.json)
    return 0 if result.status.succeeded else 1


def _channels(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(c) for c in text.split(","))
    except ValueError:
        message = f"expected whole numbers separated by commas, e.g. 16,32; got {text!r}"
        raise argparse.ArgumentTypeError(message) from None


def _network(args: argparse.Namespace) -> ModelConfig:
    """The tutorial network with the flags' changes."""
    changes = {"channels": args.conv_channels, "kernel_size": args.kernel, "dense": args.dense,
               "dropout": args.dropout, "batchnorm": args.batchnorm}
    return replace(ModelConfig(), **{k: v for k, v in changes.items() if v is not None})


def _print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _train_with_progress_bar(config: TrainConfig, out: Path) -> TrainResult:
    from tqdm import tqdm

    stop = threading.Event()
    bar = None  # made at the "start" event, once the data has loaded and the step count is known

    def on_event(event: Event):
        nonlocal bar
        if event.kind == "start":
            print(f"Training on {event.device} in {event.precision}.", file=sys.stderr)
            bar = tqdm(total=event.total_steps, unit="step", dynamic_ncols=True, file=sys.stderr)
        elif event.kind == "step":
            bar.update(1)
            if event.step % 10 == 0:
                bar.set_postfix(loss=f"{event.loss:.3f}", acc=f"{event.acc:.3f}",
                                img_s=f"{event.images_per_sec:,.0f}", refresh=False)
        elif event.kind == "eval":
            label = "test_acc" if event.full_eval else "test_acc~"
            bar.write(f"step {event.step}: {label} {event.test_acc:.4f}  test_loss {event.test_loss:.4f}")
        elif event.kind == "end":
            bar.close()

    # Ctrl-C ends the run cleanly within one step, evaluated and saved, like the app's Stop.
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        return train(config, on_event, stop, out)
    finally:
        signal.signal(signal.SIGINT, previous)


def _report(result: TrainResult, as_json: bool):
    m = result.metrics
    print(result.message, file=sys.stderr)
    if m.test_acc is not None:
        print(f"test accuracy {m.test_acc:.4f}, test loss {m.test_loss:.4f}, {m.steps} steps ({m.epochs} epochs) "
              f"in {m.seconds:.1f} s, {m.images_per_sec:,.0f} images/s", file=sys.stderr)
    if result.checkpoint:
        print(f"checkpoint: {result.checkpoint}", file=sys.stderr)
    if as_json:
        checkpoint = str(result.checkpoint) if result.checkpoint else None
        print(json.dumps({"status": result.status, **m.to_dict(), "checkpoint": checkpoint}))


if __name__ == "__main__":
    sys.exit(main())
