"""Faults at the job level: a server killed mid-run or mid-save, a folder that cannot be
written, a full disk, Stop pressed over and over, names typed by users."""
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import pytest

from cnn.checkpoint import load_checkpoint
from cnn.job import Registry, StartError
from cnn.record import RunRecord, Status
from cnn.runs import OWNER, RECORD, list_runs, new_run_name, run_dir, write_record
from support.faults import fork_like_a_run, full_disk, read_only, save_forever
from support.procs import alive
from support.samples import FIXTURE, tiny_job_config
from support.waiting import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


SERVER = textwrap.dedent("""
    import sys, time
    from cnn.job import Registry
    from cnn.train import make_config
    registry = Registry(sys.argv[1])
    job, _ = registry.start(make_config("fast", batch_size=100, epochs=500, eval_subset=200, data_dir=sys.argv[2]))
    print(job._process.pid, flush=True)
    time.sleep(600)
""")


def test_a_process_killed_while_saving_never_leaves_a_broken_checkpoint(tmp_path):
    path = tmp_path / "model.pt"
    for attempt in range(5):
        saver = fork_like_a_run(save_forever, str(path))
        assert wait_until(path.exists, 30)
        time.sleep(0.05 + 0.07 * attempt)  # at different points of a save
        os.kill(saver.pid, signal.SIGKILL)
        saver.join()
        saved = load_checkpoint(path)
        assert float(saved.model.logits.bias[0].detach()) == saved.metrics["step"]


def test_a_read_only_runs_folder_refuses_to_start_with_a_clear_message(tmp_path):
    with read_only(tmp_path / "runs") as runs:
        with pytest.raises(StartError, match="cannot be written to .*Read-only file system"):
            Registry(runs).start(tiny_job_config(max_steps=2))
        assert Registry(runs).current is None and list_runs(runs) == []


def test_a_full_disk_ends_the_run_as_failed_and_says_why(tmp_path):
    with full_disk(tmp_path / "runs") as runs:
        registry = Registry(runs)
        job, _ = registry.start(tiny_job_config(max_steps=6))
        job.join(90)
        s = job.snapshot()
        assert s.status == "failed" and "No space left on device" in s.message
        assert not list(runs.glob("*/model.pt")) and not list(runs.glob("*/.*.tmp"))  # no half-written file
        (run,) = registry.runs()
        assert run.status == "failed" and not run.has_checkpoint


def test_stop_pressed_many_times_ends_the_run_once(tmp_path):
    registry = Registry(tmp_path)
    job, _ = registry.start(tiny_job_config(epochs=50))
    assert wait_until(lambda: job.snapshot().metrics.steps > 0, 60)
    for _ in range(50):
        job.stop()
    job.join(60)
    assert job.snapshot().status == "stopped" and [r.status for r in registry.runs()] == ["stopped"]


@pytest.mark.parametrize("label, start", [("../../etc/passwd", "etc-passwd-"), ("/abs/path", "abs-path-"),
                                          ("a\\b", "a-b-"), ("", "run-"), ("..", "run-"), ("my run ✓", "my-run-"),
                                          ("x" * 200, "x" * 40 + "-")])
def test_names_typed_by_users_become_safe_run_names(tmp_path, label, start):
    name = new_run_name(label)
    assert name.startswith(start) and run_dir(name, tmp_path).parent == tmp_path


def test_a_run_started_with_a_hostile_name_stays_inside_the_runs_folder(tmp_path):
    job, _ = Registry(tmp_path / "runs").start(tiny_job_config(max_steps=1), "../../outside")
    job.join(60)
    assert job.folder.parent == tmp_path / "runs" and job.name.startswith("outside-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


def a_record(status: Status, day: int = 1) -> RunRecord:
    return RunRecord("run", datetime(2026, 1, day), status)


def test_runs_recorded_as_running_elsewhere_are_interrupted_and_records_alone_are_listed(tmp_path):
    write_record(tmp_path / "cut-off", a_record(Status.RUNNING))
    (tmp_path / "cut-off" / "model.pt").write_bytes(b"x")
    write_record(tmp_path / "live", a_record(Status.RUNNING, day=2))
    runs = {r.name: r for r in list_runs(tmp_path, active="live")}
    assert runs["cut-off"].status == "interrupted" and runs["cut-off"].has_checkpoint
    assert runs["live"].status == "running" and not runs["live"].has_checkpoint
    assert (tmp_path / "live" / RECORD).exists()


def test_a_run_another_live_server_follows_is_running_and_interrupted_with_its_checkpoint_once_it_dies(tmp_path):
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp_path), str(FIXTURE)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        child = int(server.stdout.readline())
        (run,) = Registry(tmp_path).runs()  # this server shares the folder and has no run of its own
        assert run.status == "running"
        assert json.loads((run.folder / OWNER).read_text())["pid"] == server.pid
        assert wait_until(lambda: any(tmp_path.glob("*/model.pt")), 90), "no checkpoint was saved"
        time.sleep(1.0)  # into the next epochs, saves included
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    assert wait_until(lambda: not alive(child), 30), "the training process outlived its server"
    (run,) = Registry(tmp_path).runs()
    assert run.status == "interrupted" and run.has_checkpoint
    assert load_checkpoint(run.checkpoint).metrics["steps"] > 0
    again, started = Registry(tmp_path).start(tiny_job_config(max_steps=3))  # the folder takes new runs
    assert started
    again.join(60)
    assert again.snapshot().status == "finished", again.snapshot().message


@pytest.mark.parametrize("host, age, status", [
    ("another-host", 0, "running"),  # a server on another machine sharing the folder, still beating
    ("another-host", 120, "interrupted"),  # its heartbeat stopped two minutes ago
    (socket.gethostname(), 0, "interrupted"),  # this host, but no such process
])
def test_the_owner_heartbeat_decides_whether_a_run_is_still_followed(tmp_path, host, age, status):
    write_record(tmp_path / "run", a_record(Status.RUNNING))
    owner = tmp_path / "run" / OWNER
    owner.write_text(json.dumps({"pid": 2**22 + 17, "host": host}))  # above Linux's pid_max: never alive
    os.utime(owner, (time.time() - age, time.time() - age))
    (run,) = list_runs(tmp_path)
    assert run.status == status


def test_temporaries_left_by_a_killed_save_are_removed_when_the_run_is_listed_or_written(tmp_path):
    folder = tmp_path / "run"
    write_record(folder, a_record(Status.FINISHED))
    old, fresh = folder / ".model.pt.abc123.tmp", folder / ".model.pt.def456.tmp"
    for path in (old, fresh):
        path.write_bytes(b"half a checkpoint")
    os.utime(old, (time.time() - 120, time.time() - 120))
    list_runs(tmp_path)
    assert not old.exists() and fresh.exists()  # a save in progress is never touched
    os.utime(fresh, (time.time() - 61, time.time() - 61))
    write_record(folder, a_record(Status.FINISHED))
    assert sorted(p.name for p in folder.iterdir()) == [RECORD]


def test_a_run_that_fails_before_its_first_step_leaves_no_run_behind(tmp_path):
    registry = Registry(tmp_path)
    job, _ = registry.start(tiny_job_config(data_dir=str(tmp_path / "missing.npz")))
    job.join(60)
    s = job.snapshot()
    assert s.status == "failed" and "not a readable MNIST slice" in s.message  # the page still says why
    assert registry.runs() == [] and not job.folder.exists()
