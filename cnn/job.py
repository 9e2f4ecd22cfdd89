"""A training run in a child process, with thread-safe progress, and a one-run registry.

The app's page scripts rerun and get cancelled on every click, so a run cannot live in
them. It runs in its own process: a thread in the server would share the GIL with Streamlit,
and every page refresh would stall it (measured: half the command line's speed with the Train
page open). The child streams its events through a queue; a listener thread in the server
folds them into the progress that pages read with `snapshot()`, a copy taken under a lock.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import shutil
import sys
import threading
import time
import types
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import torch

from .checkpoint import load_checkpoint
from .errors import CnnError, ConfigError, NoWeightsYetError, StartError
from .finetune import FineTune, finetune
from .hardware import flush_subnormals
from .model import ModelConfig, Net
from .record import Eval, Metrics, RunRecord, Status
from .runs import (
    CHECKPOINT,
    HEARTBEAT_EVERY,
    RunInfo,
    claim,
    heartbeat,
    list_runs,
    new_run_name,
    read_record,
    release,
    run_dir,
    runs_root,
    write_record,
)
from .train import Control, Event, TrainConfig, lr_problem, train, valid_lr

SEND_EVERY = 0.2  # seconds between the child's progress messages (the page redraws every two seconds)
# Added to the server's nice level in the training child: on a busy core the kernel then gives the
# server (and so everyone drawing) about nine times the child's share (CFS weights 1024 vs 110).
CHILD_NICENESS = 10


def _start_method() -> mp.context.BaseContext:
    """How training children start. On Linux, forked from a fork server that has imported PyTorch
    once (Registry starts it in the background): from Start to the first step on the full MNIST
    took a median 1.0 s rather than 5.1 s, a fresh interpreter importing PyTorch each time
    (bench/bench_control.py). Forking is safe there because the fork server never computes
    anything: it has no thread pools or CUDA state to copy. Elsewhere a fresh interpreter each
    time: macOS's system frameworks are not safe to fork, and Windows cannot."""
    if sys.platform != "linux":
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    # Not the server's __main__ (a page script). torch._dynamo: torch.optim imports it on a first
    # optimizer, 1.9 s here.
    context.set_forkserver_preload([__name__, "torch._dynamo"])
    return context


_CHILDREN = _start_method()


def _warm_up_children() -> None:
    """Start the fork server (about 3 s of importing) in the background, so that the first Start
    does not wait for it."""
    if _CHILDREN.get_start_method() == "forkserver":
        from multiprocessing import forkserver  # POSIX only

        threading.Thread(target=forkserver.ensure_running, name="fork-server", daemon=True).start()


@dataclass(frozen=True)
class Snapshot(RunRecord):
    """A run's record as of now, plus what only a run in progress has."""

    total_steps: int = 0  # known once the data has loaded (0 before)
    filters: np.ndarray | None = None  # (C1, 1, k, k) conv1 weights, as of the latest message
    paused: bool = False  # the child has paused (confirmed: it pauses after the step in hand)

    @property
    def running(self) -> bool:
        return self.status is Status.RUNNING

    @property
    def seconds_left(self) -> float | None:
        speed = self.metrics.images_per_sec
        return (self.total_steps - self.metrics.steps) * self.config["batch_size"] / speed if speed else None


@dataclass(frozen=True)
class _Progress:
    """Child -> server: the events since the last message, conv1's filters, and (after an
    evaluation) a copy of every weight."""

    events: list[Event]
    filters: np.ndarray  # (C1, 1, k, k): (32, 1, 5, 5) for the tutorial network
    # numpy, not tensors: torch would pass tensors as shared memory owned by the child, which
    # may have ended by the time the server reads them.
    weights: dict[str, np.ndarray] | None


@dataclass(frozen=True)
class _Ended:
    """Child -> server, last: how the run ended."""

    status: Status
    message: str
    metrics: Metrics | None = None  # the trainer's final figures (None if it never finished)
    report: dict | None = None


class _Sender:
    """The child's side of the queue: step events are sent in batches, a few times a second.

    One message per step (about 40 a second) kept the child's queue thread and the server's
    listener busy on the cores that train: the run went 5% slower with no page open at all.
    """

    def __init__(self, model: Net, messages):
        self.model, self.messages = model, messages
        self.pending: list[Event] = []
        self.last_sent = 0.0

    def __call__(self, event: Event) -> None:
        self.pending.append(event)
        if event.kind != "step" or time.monotonic() - self.last_sent >= SEND_EVERY:
            self.flush(weights=event.kind == "eval")

    def flush(self, weights: bool) -> None:
        state = None
        if weights:
            state = {k: v.detach().float().cpu().numpy().copy() for k, v in self.model.state_dict().items()}
        filters = self.model.conv1.weight.detach().float().cpu().numpy()
        self.messages.put(_Progress(self.pending, filters, state))
        self.pending, self.last_sent = [], time.monotonic()


def _child(config: TrainConfig, out: Path, messages, stop, commands, tune: FineTune | None, resume: bool,
           environ: dict[str, str]) -> None:
    """The child process: train (or fine-tune, or continue the run saved at `out`), sending
    _Progress messages, then one _Ended. `environ`: the server's environment as the run started
    (a forked child has its fork server's, from when that started: CNN_DATA_DIR may have changed)."""
    os.environ.clear()
    os.environ.update(environ)
    _prepare_child()
    _stop_if_orphaned(stop, messages)
    control = _follow_commands(commands)
    torch.manual_seed(config.seed)  # train() seeds only the models it makes itself
    try:
        if tune:
            model = load_checkpoint(tune.start_from).model
            result, report = finetune(tune, config, _Sender(model, messages), stop, out, model=model, control=control)
        elif resume:
            saved = load_checkpoint(out)
            result = train(config, _Sender(saved.model, messages), stop, out, model=saved.model, control=control,
                           resume=saved.resume_state())
            report = None
        else:
            model = Net(config.network)
            result, report = train(config, _Sender(model, messages), stop, out, model=model, control=control), None
        ended = _Ended(result.status, result.message, result.metrics, report)
    except Exception as e:  # whatever it was, the page reports it and the server lives on
        ended = _Ended(Status.FAILED, f"Training failed: {e}")
    messages.put(ended)


def _prepare_child() -> None:
    """First in the child, so that every thread it starts (torch's pool too) inherits both: a lower
    priority, and subnormals flushed (a run that loads a checkpoint starts the pool before training)."""
    _lower_priority()
    flush_subnormals()


def _follow_commands(commands) -> Control:
    """The run's Control, driven by the server's commands ("pause", "resume", "step", ("lr", x))."""
    control = Control()

    def follow():
        while True:
            command = commands.get()
            if isinstance(command, tuple):
                control.set_lr(command[1])
            else:
                getattr(control, command)()

    threading.Thread(target=follow, name="commands", daemon=True).start()
    return control


def _lower_priority() -> None:
    """A person drawing must never wait on a run: train at a lower CPU priority than the server.

    Linux keeps a nice level per thread, and importing torch has already started a thread by
    now: every thread so far is reniced, and those started later inherit the level. Where
    there are no nice levels (Windows), the run keeps the server's priority.
    """
    if not hasattr(os, "setpriority"):
        return
    niceness = os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICENESS
    threads = Path("/proc/self/task")
    for tid in [int(t.name) for t in threads.iterdir()] if threads.is_dir() else [0]:  # 0: the whole process
        try:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
        except OSError:  # the thread has ended, or this is not permitted: it keeps the server's priority
            pass


@contextmanager
def no_main_script():
    """A spawned child first runs the parent's __main__ script again (as __mp_main__), and
    Streamlit makes the page being run __main__: every run started from the Train page ran
    that page once more in its child, Streamlit and all, before training. While the child
    starts, __main__ is an empty module, so it has no script to run."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _stop_if_orphaned(stop, messages) -> None:
    """Stop the run (evaluated and saved, as with Stop) if the server dies, even by SIGKILL:
    a run going on alone would write to a folder that no server follows."""
    parent = _CHILDREN.parent_process()

    def watch():
        parent.join()
        messages.cancel_join_thread()  # nobody reads the queue now: exit without flushing it
        stop.set()

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


class TrainingJob:
    def __init__(self, config: TrainConfig, folder: Path, tune: FineTune | None = None,
                 resume_from: RunRecord | None = None):
        """`resume_from`: the record of the interrupted run in `folder`, continued from its checkpoint
        (see Registry.resume)."""
        self.config, self.folder, self.name = config, folder, folder.name
        self.started = datetime.now()
        self._lock = threading.Lock()
        self._stop = _CHILDREN.Event()
        self._messages = _CHILDREN.Queue()
        self._commands = _CHILDREN.Queue()
        self._process = _CHILDREN.Process(target=_child, name=f"train-{self.name}", daemon=True,
                                          args=(config, folder / CHECKPOINT, self._messages, self._stop,
                                                self._commands, tune, resume_from is not None, dict(os.environ)))
        self._listener = threading.Thread(target=self._listen, name=f"listen-{self.name}", daemon=True)
        self._ended = threading.Event()
        # The record's scalars (replaced whole as messages arrive) and its curves (appended to).
        self._record = RunRecord(self.name, self.started, Status.RUNNING, "Starting: loading PyTorch and MNIST...",
                                 config.to_dict())
        self._total_steps = 0
        self._losses: list[float] = []
        self._accs: list[float] = []
        self._evals: list[Eval] = []
        self._filters: np.ndarray | None = None
        self._lr_changes: list[tuple[int, float]] = []
        self._layers: list[tuple[int, dict]] = []
        self._paused = False
        self.pause_requested = False  # what the pages asked for (the child confirms it in the snapshot)
        if resume_from:
            self._continue(resume_from)
        self._weights: tuple[int, dict | None] = (0, None)  # (version, state_dict copy)

    def _continue(self, record: RunRecord) -> None:
        """Start from an interrupted run's record, its curves cut back to its checkpoint's step."""
        step = load_checkpoint(self.folder / CHECKPOINT).resume_state()["step"]
        self.started = record.started or self.started
        self._record = replace(self._record, started=self.started, message="Resuming from the last epoch's end...",
                               metrics=replace(record.metrics, steps=step))
        self._losses, self._accs = record.losses[:step], record.train_accs[:step]
        self._evals = [e for e in record.evals if e.step <= step]
        self._lr_changes = [c for c in record.lr_changes if c[0] < step]
        self._layers = [entry for entry in record.layers if entry[0] <= step]

    def start(self) -> None:
        self._save_record()
        claim(self.folder)
        with no_main_script():
            self._process.start()
        self._listener.start()

    def stop(self) -> None:
        self._stop.set()

    def pause(self) -> None:
        """Pause after the step in hand; the snapshot says paused once the child has."""
        self.pause_requested = True
        self._commands.put("pause")

    def resume(self) -> None:
        self.pause_requested = False
        self._commands.put("resume")

    def step(self) -> None:
        """While paused: train exactly one batch."""
        self._commands.put("step")

    @property
    def lr_can_change(self) -> bool:
        return self.config.schedule == "constant"

    def set_lr(self, lr: float) -> None:
        """Train at `lr` from the next step on. Raises ConfigError for a bad rate, or a run on a schedule
        (which sets the rate itself at every step)."""
        if not self.lr_can_change:
            raise ConfigError("The learning rate can be changed during a run only with the constant schedule.")
        if not valid_lr(lr):  # checked here too, where the page can say what is wrong
            raise ConfigError(lr_problem(lr))
        self._commands.put(("lr", float(lr)))

    def join(self, timeout: float | None = None) -> None:
        self._listener.join(timeout)

    def wait_for(self, condition: Callable[[TrainingJob], bool], timeout: float) -> bool:
        """Wait up to `timeout` seconds for `condition(self)` (e.g. the run has paused, or ended); True if
        it came. A page waits a moment after Pause, Step or Stop, so that what it draws next shows the effect."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)  # the child reports a pause, a step or its end within a step or two
        return True

    @property
    def running(self) -> bool:
        """True from the start until the run has ended and its record is saved."""
        return not self._ended.is_set()

    def snapshot(self) -> Snapshot:
        with self._lock:
            curves = dict(losses=list(self._losses), train_accs=list(self._accs), evals=list(self._evals),
                          lr_changes=list(self._lr_changes), layers=list(self._layers))
            return Snapshot(**{**vars(self._record), **curves}, total_steps=self._total_steps, filters=self._filters,
                            paused=self._paused)

    def latest_weights(self) -> tuple[int, dict[str, np.ndarray]]:
        """(version, {name: numpy array}) as of the latest evaluation; the version grows with each
        copy. Raises NoWeightsYetError before the first."""
        with self._lock:
            version, weights = self._weights
        if weights is None:
            raise NoWeightsYetError("The run in progress has no weights yet: it shares them after its first "
                                    "evaluation.")
        return version, weights

    def _listen(self) -> None:
        """Fold the child's messages into the progress until it ends (or dies)."""
        try:
            ended = self._follow()
        except Exception as e:  # a broken message must not leave the run "running" forever
            self._stop.set()
            ended = _Ended(Status.FAILED, f"Lost track of the training process: {e}")
        try:
            with self._lock:
                self._record = replace(self._record, status=ended.status, message=ended.message,
                                       metrics=ended.metrics or self._record.metrics, report=ended.report)
            if self._failed_before_training():
                shutil.rmtree(self.folder, ignore_errors=True)  # nothing to keep: no weights, no curves
            else:
                self._try_save_record()
                release(self.folder)
        finally:
            self._ended.set()
        # The run is over once its record is saved. The child may take seconds more to exit (at
        # its lower priority, on a busy machine): the page must not wait for that.
        self._process.join(10)

    def _failed_before_training(self) -> bool:
        """A run that failed before its first step (MNIST missing, offline...) is no saved run."""
        with self._lock:
            failed, step = self._record.status is Status.FAILED, self._record.metrics.steps
        return failed and step == 0 and not (self.folder / CHECKPOINT).exists()

    def _follow(self) -> _Ended:
        beat = time.monotonic()
        while True:
            if time.monotonic() - beat >= HEARTBEAT_EVERY:
                beat = time.monotonic()
                self._heartbeat()
            try:
                message = self._messages.get(timeout=1.0)
            except queue.Empty:
                if self._process.is_alive():
                    continue
                return _Ended(Status.FAILED,
                              f"The training process ended unexpectedly (exit code {self._process.exitcode}).")
            if isinstance(message, _Ended):
                return message
            self._apply(message)

    def _apply(self, progress: _Progress) -> None:
        with self._lock:
            for event in progress.events:
                self._fold(event)
            self._filters = progress.filters
            if progress.weights is not None:
                self._weights = (self._weights[0] + 1, progress.weights)
        if any(e.kind == "eval" and e.full_eval for e in progress.events):
            self._try_save_record()  # curves survive a crash up to the last epoch

    def _fold(self, event: Event) -> None:
        r = self._record
        metrics = replace(r.metrics, steps=event.step, epochs=event.epoch,
                          images_per_sec=event.images_per_sec or r.metrics.images_per_sec)
        if event.kind == "start":
            metrics = replace(metrics, device=event.device, precision=event.precision)
            r = replace(r, message="Training...")
        self._record, self._total_steps = replace(r, metrics=metrics), event.total_steps
        if event.kind == "step":
            self._losses.append(event.loss)
            self._accs.append(event.acc)
        if event.kind == "eval":
            self._evals.append(Eval(event.step, event.test_acc, event.test_loss, event.full_eval))
        if event.kind in ("paused", "resumed"):
            self._paused = event.kind == "paused"
        if event.kind == "lr":
            self._lr_changes.append((event.step, event.lr))
        if event.layers is not None and not (self._layers and self._layers[-1][0] == event.step):
            self._layers.append((event.step, event.layers))  # once a step: a resumed run's start repeats one

    def _heartbeat(self) -> None:
        try:
            heartbeat(self.folder)
        except OSError:  # e.g. the folder was removed: the run goes on, other servers may list it as interrupted
            pass

    def _try_save_record(self) -> None:
        """Save the record, or say on the page why it could not be (the run itself goes on)."""
        try:
            self._save_record()
        except OSError as e:
            note = f" (Its record could not be saved: {e.strerror or e}.)"
            with self._lock:
                if note not in self._record.message:
                    self._record = replace(self._record, message=self._record.message + note)

    def _save_record(self) -> None:
        write_record(self.folder, self.snapshot())  # a Snapshot is a RunRecord: its live extras are not written


class Registry:
    """The server's one training run. Start while one runs returns that one instead."""

    def __init__(self, root: str | Path | None = None):
        self.root = root
        self._lock = threading.Lock()
        self._job: TrainingJob | None = None
        _warm_up_children()

    @property
    def current(self) -> TrainingJob | None:
        """The latest job, running or ended (None before the first)."""
        return self._job

    def runs(self) -> list[RunInfo]:
        """The saved runs, newest first; a run recorded as running that is not this server's is
        listed as interrupted."""
        job = self._job
        return list_runs(self.root, active=job.name if job and job.running else None)

    def start(self, config: TrainConfig, label: str = "", tune: FineTune | None = None) -> tuple[TrainingJob, bool]:
        """(job, started): started is False when a run was already going (that run is returned).
        `label` (e.g. typed by a user) starts the run's name; the preset's name if empty."""
        with self._lock:
            if self._job and self._job.running:
                return self._job, False
            try:
                job = TrainingJob(config, run_dir(self._free_name(label.strip() or config.preset), self.root), tune)
                job.start()
            except OSError as e:
                raise StartError(f"Cannot start a run: the runs folder {runs_root(self.root).resolve()} cannot be "
                                 f"written to ({e.strerror or e}). Free some space, or set CNN_RUNS_DIR to "
                                 f"another folder.") from e
            self._job = job
            return job, True

    def resume(self, run: RunInfo) -> TrainingJob:
        """Continue an interrupted run from its last checkpoint, in its folder. Raises StartError if a
        run is going, or if the run cannot be continued (not interrupted, or no checkpoint saved at an
        epoch's end)."""
        with self._lock:
            if self._job and self._job.running:
                raise StartError("A run is in progress on this server: stop it first, or wait for it to end.")
            if run.status is not Status.INTERRUPTED:
                raise StartError(f"Only an interrupted run can be resumed; {run.name} is {run.status}.")
            try:
                record = read_record(run.folder)
                config = TrainConfig.from_dict(record.config)
                resumable = load_checkpoint(run.checkpoint).resume_state() is not None
            except (OSError, ValueError, CnnError) as e:
                raise StartError(f"{run.name} cannot be resumed: {e}") from e
            if not resumable:
                raise StartError(f"{run.name} cannot be resumed: it was cut off before the end of its first "
                                 "epoch (or by a version that did not save what resuming needs).")
            job = TrainingJob(config, run.folder, resume_from=record)
            job.start()
            self._job = job
            return job

    def _free_name(self, label: str) -> str:
        name = base = new_run_name(label)
        n = 1
        while run_dir(name, self.root).exists():  # two starts within one second
            n += 1
            name = f"{base}-{n}"
        return name


def model_from_weights(weights: dict[str, np.ndarray], config: ModelConfig) -> Net:
    """An eval-mode model of network `config` holding a copy of `weights` (e.g. a running job's latest)."""
    model = Net(config)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    return model.eval()
