import os
import sys
import threading
import time
import types
from datetime import datetime
from pathlib import Path

import pytest
import torch

from cnn import BUNDLED_MODEL
from cnn.checkpoint import load_checkpoint, save_checkpoint
from cnn.errors import ConfigError, StartError
from cnn.finetune import FineTune, finetune_config
from cnn.job import CHILD_NICENESS, Registry, TrainingJob, model_from_weights
from cnn.model import ModelConfig, Net
from cnn.record import RunRecord, Status
from cnn.runs import list_runs, read_record, run_dir, write_record
from cnn.train import train
from support import procs
from support.samples import FIXTURE, SMALL_NETWORK, tiny_job_config
from support.waiting import wait_until
from ui.layout import server_threads


def test_a_job_trains_in_the_background_and_records_everything(tmp_path):
    job = TrainingJob(tiny_job_config(max_steps=12), tmp_path / "run1")
    job.start()
    job.join(120)
    s = job.snapshot()
    assert s.status == "finished" and not job.running and s.metrics.steps == 12 == s.total_steps
    assert len(s.losses) == len(s.train_accs) == 12
    assert [e.step for e in s.evals if not e.full] == [5, 10] and s.evals[-1].full  # quick ones, then the full one
    assert s.filters.shape == (SMALL_NETWORK.channels[0], 1, 5, 5)
    assert s.metrics.test_acc is not None and s.metrics.images_per_sec > 0
    record = read_record(tmp_path / "run1")
    assert record.status == "finished" and len(record.losses) == 12
    assert record.metrics.test_acc == s.metrics.test_acc
    assert load_checkpoint(tmp_path / "run1" / "model.pt").metrics["steps"] == 12


def test_latest_weights_follow_the_evaluations(tmp_path):
    job = TrainingJob(tiny_job_config(max_steps=10), tmp_path / "run")
    job.start()
    job.join(120)
    version, weights = job.latest_weights()
    assert version == 2  # a quick evaluation at step 5, the final full one at step 10
    model = model_from_weights(weights, job.config.network)
    assert not model.training
    saved = load_checkpoint(tmp_path / "run" / "model.pt").model
    for a, b in zip(model.parameters(), saved.parameters()):
        torch.testing.assert_close(a, b)


def test_stop_ends_the_run_as_stopped(tmp_path):
    job = TrainingJob(tiny_job_config(epochs=50), tmp_path / "run")
    job.start()
    while job.snapshot().metrics.steps < 3:
        job.join(0.05)
    job.stop()
    job.stop()  # pressing Stop twice is harmless
    job.join(60)
    s = job.snapshot()
    assert s.status == "stopped" and s.metrics.steps < s.total_steps and "Stopped" in s.message


def test_failure_is_reported_not_raised(tmp_path):
    job = TrainingJob(tiny_job_config(data_dir=str(tmp_path / "nothing.npz")), tmp_path / "run")
    job.start()
    job.join(60)
    s = job.snapshot()
    assert s.status == "failed" and "not a readable MNIST slice" in s.message


def test_registry_runs_one_job_at_a_time(tmp_path):
    registry = Registry(tmp_path)
    results = []
    barrier = threading.Barrier(4)

    def press_start():
        barrier.wait()
        results.append(registry.start(tiny_job_config(epochs=50)))

    threads = [threading.Thread(target=press_start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(started for _, started in results) == 1
    assert len({id(job) for job, _ in results}) == 1
    job = registry.current
    job.stop()
    job.join(60)
    again, started = registry.start(tiny_job_config(max_steps=2))
    assert started and again is not job
    again.join(60)
    assert {r.name for r in list_runs(tmp_path)} == {job.name, again.name}


@pytest.mark.parametrize("name", ["../evil", "/etc", "a/b", "", ".hidden", "x" * 200, "a\\b"])
def test_run_names_cannot_leave_the_runs_folder(tmp_path, name):
    with pytest.raises(ValueError):
        run_dir(name, tmp_path)


def test_list_runs_reads_records_and_tolerates_odd_folders(tmp_path):
    for name, record in [("ok-run", '{"status": "finished", "metrics": {"test_acc": 0.99}}'),
                         ("broken-run", "{not json"), ("cli-run", None), ("odd name!", None)]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "model.pt").write_bytes(b"x")
        if record:
            (tmp_path / name / "run.json").write_text(record)
    (tmp_path / "no-checkpoint").mkdir()
    (tmp_path / "model.pt; rm -rf ~").write_bytes(b"x")  # a file, not a run folder
    (tmp_path / "..model.pt").write_bytes(b"x")
    runs = {r.name: r for r in list_runs(tmp_path)}
    assert set(runs) == {"ok-run", "broken-run", "cli-run"}  # odd names, stray files and empty folders are skipped
    assert (runs["ok-run"].status, runs["ok-run"].test_acc) == ("finished", 0.99)
    assert runs["broken-run"].status == "record unreadable" and runs["cli-run"].status == "saved"
    assert "99.00%" in runs["ok-run"].label and "no accuracy" in runs["cli-run"].label


def test_the_seed_decides_the_initial_weights_in_a_job(tmp_path):
    weights = []
    for name in ("a", "b"):
        job = TrainingJob(tiny_job_config(max_steps=1, seed=7, lr=1e-9), tmp_path / name)
        job.start()
        job.join(120)
        weights.append(load_checkpoint(tmp_path / name / "model.pt").model.conv1.weight)
    torch.testing.assert_close(weights[0], weights[1])


def test_the_child_does_not_run_the_script_that_started_it(tmp_path, monkeypatch):
    """Streamlit runs each page as __main__; a spawned child would run it again before training."""
    page = tmp_path / "page.py"
    page.write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\n")
    main = types.ModuleType("__main__")
    main.__file__, main.__spec__ = str(page), None  # as Streamlit's script runner leaves it
    monkeypatch.setitem(sys.modules, "__main__", main)
    job = TrainingJob(tiny_job_config(max_steps=2), tmp_path / "run")
    job.start()
    assert sys.modules["__main__"] is main  # put back at once
    job.join(120)
    assert job.snapshot().status == "finished"
    assert not (tmp_path / "ran").exists()


def test_a_run_reads_the_servers_environment_as_it_is_when_the_run_starts(tmp_path, monkeypatch):
    """On Linux runs fork from a fork server started earlier, with the environment of that moment:
    where MNIST is must still be the server's CNN_DATA_DIR as it is now."""
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    registry = Registry(tmp_path)
    first, _ = registry.start(tiny_job_config(max_steps=2, data_dir=None))
    first.join(120)  # the fork server is running by now
    monkeypatch.setenv("CNN_DATA_DIR", str(tmp_path / "elsewhere.npz"))
    second, _ = registry.start(tiny_job_config(max_steps=2, data_dir=None))
    second.join(120)
    assert first.snapshot().status == "finished"
    assert second.snapshot().status == "failed" and "elsewhere.npz" in second.snapshot().message


@pytest.mark.skipif(sys.platform != "linux", reason="runs fork from a fork server on Linux only")
def test_runs_fork_from_one_fork_server_that_has_imported_pytorch(tmp_path):
    registry, parents = Registry(tmp_path), set()
    for _ in range(2):
        job, _ = registry.start(tiny_job_config(epochs=50))
        assert wait_until(lambda job=job: job.snapshot().metrics.steps > 0, 120)
        parents.add(procs.parent(job._process.pid))
        job.stop()
        job.join(120)
    assert len(parents) == 1 and parents != {os.getpid()}  # the same parent both times, not this process
    fork_server = Path(f"/proc/{parents.pop()}/cmdline").read_bytes()
    assert b"forkserver" in fork_server and b"torch._dynamo" in fork_server  # what it imported first


def test_a_fine_tuning_job_reports_before_and_after_and_is_saved_as_a_run(tmp_path, mnist_small):
    _, test = mnist_small
    tune = FineTune(BUNDLED_MODEL, test.images[:8, 0].numpy(), test.labels[:8].numpy())
    job, started = Registry(tmp_path).start(finetune_config(max_steps=6, data_dir=str(FIXTURE)), "finetune", tune)
    job.join(120)
    s = job.snapshot()
    assert started and s.status == "finished" and s.metrics.steps == 6
    assert s.report["drawings"] == 8 and s.report["held_out"] == 0  # too few to hold any out
    assert s.report["mnist_before"] == pytest.approx(0.995, abs=0.006)  # the bundled model, before
    assert read_record(job.folder).report == s.report
    (run,) = Registry(tmp_path).runs()
    assert run.name.startswith("finetune-") and run.has_checkpoint


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads thread priorities from /proc (Linux)")
def test_the_training_child_trains_in_every_thread_at_a_lower_priority_than_the_server(tmp_path):
    job = TrainingJob(tiny_job_config(epochs=50), tmp_path / "run")
    job.start()
    try:
        while job.snapshot().metrics.steps < 3:  # training, so torch's thread pool exists
            job.join(0.05)
        levels = procs.thread_nice_levels(job._process.pid)
    finally:
        job.stop()
        job.join(60)
    assert len(levels) >= 2 and set(levels) == {os.nice(0) + CHILD_NICENESS}


@pytest.mark.parametrize("cores, threads", [(1, 1), (2, 1), (8, 4), (None, 1)])
def test_the_server_leaves_half_the_cores_to_training(monkeypatch, cores, threads):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert server_threads() == threads


def test_a_job_trains_a_designed_network_and_shares_its_weights(tmp_path):
    network = ModelConfig(channels=(8, 16), kernel_size=7, dense=32, batchnorm=True)
    job = TrainingJob(tiny_job_config(max_steps=6, network=network), tmp_path / "designed")
    job.start()
    job.join(120)
    s = job.snapshot()
    assert s.status == "finished" and s.filters.shape == (8, 1, 7, 7)
    assert read_record(tmp_path / "designed").config["network"] == network.to_dict()
    live = model_from_weights(job.latest_weights()[1], network)
    saved = load_checkpoint(tmp_path / "designed" / "model.pt").model
    assert saved.config == network
    x = torch.rand(2, 1, 28, 28)
    torch.testing.assert_close(live(x), saved(x))


def test_a_job_pauses_steps_one_batch_changes_its_learning_rate_and_resumes(tmp_path):
    job = TrainingJob(tiny_job_config(epochs=50, schedule="constant"), tmp_path / "paused")
    job.start()
    assert wait_until(lambda: job.snapshot().metrics.steps >= 2)
    job.pause()
    assert wait_until(lambda: job.snapshot().paused)
    held = job.snapshot().metrics.steps
    time.sleep(1.0)
    assert job.snapshot().metrics.steps == held  # paused: it holds its place
    job.step()
    assert wait_until(lambda: job.snapshot().metrics.steps == held + 1)
    time.sleep(0.5)
    assert job.snapshot().metrics.steps == held + 1 and job.snapshot().paused  # exactly one batch
    job.set_lr(0.0005)
    job.resume()
    assert wait_until(lambda: not job.snapshot().paused and job.snapshot().metrics.steps > held + 3)
    job.stop()
    job.join(120)
    s = job.snapshot()
    assert s.status == "stopped" and s.lr_changes == [(held + 1, 0.0005)]  # from the first step after resuming
    assert read_record(tmp_path / "paused").lr_changes == s.lr_changes


def test_wait_for_returns_once_the_run_gets_there_and_gives_up_at_its_timeout(tmp_path):
    job = TrainingJob(tiny_job_config(epochs=50), tmp_path / "waited")
    job.start()
    assert job.wait_for(lambda j: j.snapshot().metrics.steps >= 2, 60) and job.snapshot().metrics.steps >= 2
    started = time.monotonic()
    assert not job.wait_for(lambda j: j.snapshot().metrics.steps < 0, 0.3)
    assert time.monotonic() - started >= 0.3
    job.stop()
    assert job.wait_for(lambda j: not j.running, 60)
    assert read_record(tmp_path / "waited").status == "stopped"  # not running: its record is saved


def test_the_learning_rate_of_a_run_on_a_schedule_cannot_change(tmp_path):
    job = TrainingJob(tiny_job_config(max_steps=4), tmp_path / "onecycle")
    with pytest.raises(ConfigError, match="only with the constant schedule"):
        job.set_lr(0.001)
    constant = TrainingJob(tiny_job_config(max_steps=4, schedule="constant"), tmp_path / "constant")
    with pytest.raises(ConfigError, match="learning rate must be a number above 0"):
        constant.set_lr(float("nan"))


class _CutOff(Exception):
    """The server dying mid-run, as far as the trainer can tell."""


def test_an_interrupted_run_resumes_from_its_last_epoch_and_ends_as_if_never_cut_off(tmp_path):
    config = tiny_job_config(epochs=2, augment=True)  # 20 steps an epoch
    whole = train(config)
    folder, events = tmp_path / "cut-20260101-000000", []

    def cut_off_after_the_first_epoch(event):
        events.append(event)
        if event.kind == "eval" and event.full_eval:
            raise _CutOff

    with pytest.raises(_CutOff):
        train(config, cut_off_after_the_first_epoch, out=folder / "model.pt")
    losses = [e.loss for e in events if e.kind == "step"]
    # Recorded as running, with a curve a little past the checkpoint (as a record saved later would be).
    write_record(folder, RunRecord("cut", datetime(2026, 1, 1), Status.RUNNING, config=config.to_dict(),
                                   losses=losses + [9.0] * 3, train_accs=[0.5] * 23, lr_changes=[(21, 0.1)]))
    registry = Registry(tmp_path)
    [run] = registry.runs()
    assert run.status == "interrupted"
    job = registry.resume(run)
    job.join(120)
    s = job.snapshot()
    assert s.status == "finished" and s.metrics.steps == 40 and len(s.losses) == 40 and s.losses[:20] == losses
    assert s.lr_changes == [] and s.started == datetime(2026, 1, 1)
    resumed = load_checkpoint(folder / "model.pt").model
    for a, b in zip(whole.model.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)  # bit for bit, in float32 on this machine
    with pytest.raises(StartError, match="Only an interrupted run"):
        registry.resume(registry.runs()[0])


def test_a_run_cut_off_before_its_first_epoch_ended_cannot_be_resumed(tmp_path):
    folder = tmp_path / "early-20260101-000000"
    save_checkpoint(folder / "model.pt", Net())  # no resume state: as from an older version
    write_record(folder, RunRecord("early", datetime(2026, 1, 1), Status.RUNNING,
                                   config=tiny_job_config().to_dict()))
    registry = Registry(tmp_path)
    with pytest.raises(StartError, match="cannot be resumed: it was cut off before the end of its first epoch"):
        registry.resume(registry.runs()[0])
    assert registry.current is None


def test_long_passes_take_every_core_unless_a_run_trains(monkeypatch, tmp_path):
    """Evaluating a model in the server: every core while idle, the server's share while a run trains
    (a stand-in core count, so that the three counts differ on any machine)."""
    from ui import state

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setenv("CNN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("CNN_DATA_DIR", str(FIXTURE))
    inside, real = [], state.evaluate_model

    def evaluate_counting_threads(model, split):
        inside.append(torch.get_num_threads())
        return real(model, split)

    monkeypatch.setattr(state, "evaluate_model", evaluate_counting_threads)
    before = torch.get_num_threads()
    state._evaluation.clear()  # an earlier test may have evaluated the bundled model on FIXTURE
    try:
        state.evaluation(BUNDLED_MODEL)
        assert inside == [4] and torch.get_num_threads() == server_threads() == 2
        job, started = state.registry().start(tiny_job_config(epochs=50))
        assert started and wait_until(lambda: job.snapshot().metrics.steps >= 1)
        state._evaluation.clear()
        state.evaluation(BUNDLED_MODEL)
        assert inside == [4, 2] and torch.get_num_threads() == 2
    finally:
        if state.registry().current:
            state.registry().current.stop()
            state.registry().current.join(60)
        state._evaluation.clear()
        torch.set_num_threads(before)
