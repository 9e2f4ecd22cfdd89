"""cnn.record: one typed record of a run, written and read back whole, old files included."""
import json
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from cnn.job import Snapshot
from cnn.record import FORMAT_VERSION, Eval, LayerStats, Metrics, RunRecord, Status
from cnn.runs import RECORD, list_runs, read_record, write_record

WRITTEN_BY_V1 = Path(__file__).parent / "data" / "run_written_by_v1.json"  # a fine-tuning run's run.json, as saved


def a_record() -> RunRecord:
    return RunRecord(
        name="fast-20261129-101500", started=datetime(2026, 11, 29, 10, 15, 0, 123456), status=Status.STOPPED,
        message="Stopped at step 3 of 10.", config={"preset": "fast", "lr": 0.003, "batch_size": 64},
        metrics=Metrics(test_acc=0.9, test_loss=0.31, steps=3, epochs=0.003, seconds=2.5, images_per_sec=1234.5,
                        device="cpu", precision="float32"),
        report={"drawings": 8, "mnist_after": 0.99}, losses=[2.3, 1.1, float("nan")], train_accs=[0.1, 0.5, 0.6],
        evals=[Eval(2, 0.8, 0.6, False), Eval(3, 0.9, 0.31, True)], lr_changes=[(2, 0.0005)],
        layers=[(0, {"conv1": LayerStats(1.5, 0.0, 0.6, [0, 3, 5, 0])}),
                (3, {"conv1": LayerStats(1.7, 0.02, 0.6, [1, 2, 4, 1])})])


def test_a_record_survives_the_round_trip_through_json():
    record = a_record()
    again = RunRecord.from_json(record.to_json())
    assert again.status is Status.STOPPED and isinstance(again.evals[0], Eval) and again.evals[1].full
    assert np.isnan(again.losses[2])  # a diverged step's loss is kept, not dropped
    assert again.to_json() == record.to_json() and json.loads(record.to_json())["version"] == FORMAT_VERSION
    assert (again.name, again.started, again.config, again.metrics, again.report, again.lr_changes) == (
        record.name, record.started, record.config, record.metrics, record.report, [(2, 0.0005)])
    assert again.layers == record.layers and isinstance(again.layers[1][1]["conv1"], LayerStats)


def test_a_run_json_written_by_the_first_format_still_loads(tmp_path):
    folder = tmp_path / "finetune-20261129-083203"
    folder.mkdir()
    shutil.copy(WRITTEN_BY_V1, folder / RECORD)
    record = read_record(folder)
    assert record.status is Status.FINISHED and record.message == "Finished 6 steps."
    assert record.metrics.test_acc == 0.996 and record.metrics.steps == 6 and record.metrics.precision == "bfloat16"
    assert record.metrics.test_loss is None and record.metrics.seconds is None  # not recorded by that format
    assert record.evals == [Eval(6, 0.996, 0.018405454635620117, True)] and len(record.losses) == 6
    assert record.report["drawings"] == 8 and record.config["max_steps"] == 6
    [run] = list_runs(tmp_path)
    assert (run.status, run.test_acc, run.created) == (Status.FINISHED, 0.996, record.started)


@pytest.mark.parametrize("text, complaint", [
    ('{"version": 99, "name": "x", "started": "2026-01-01T00:00:00", "status": "finished"}', "newer version"),
    ('{"name": "x", "started": "2026-01-01T00:00:00", "status": "exploded"}', "not a valid Status"),
    ('{"name": "x", "started": "2026-01-01T00:00:00"}', "KeyError"),  # no status
    ('[1, 2, 3]', "AttributeError"),
    ('{"name": "x", "started": "2026-01-01T00:00:00", "status": "finished", "curves": {"evals": [[1, 2]]}}',
     "ValueError|not enough values"),
    ("{not json", "Expecting property name"),
])
def test_anything_else_is_refused_with_a_value_error(text, complaint):
    with pytest.raises(ValueError, match=complaint):
        RunRecord.from_json(text)


def test_a_record_needs_only_its_status():
    record = RunRecord.from_json('{"status": "finished", "metrics": {"test_acc": 0.99}}')
    assert (record.status, record.started, record.metrics.test_acc, record.evals) == (Status.FINISHED, None, 0.99, [])


def test_a_snapshot_is_written_as_its_record_without_the_live_extras(tmp_path):
    live = Snapshot(**vars(a_record()), total_steps=10, filters=np.zeros((32, 1, 5, 5), np.float32))
    write_record(tmp_path, live)
    saved = json.loads((tmp_path / RECORD).read_text())
    assert "filters" not in saved and "total_steps" not in saved
    assert read_record(tmp_path).to_json() == a_record().to_json()
    assert live.seconds_left == pytest.approx(7 * 64 / 1234.5)


def test_metrics_from_a_checkpoint_of_an_older_version_ignore_what_they_do_not_know():
    old = {"status": "running", "test_acc": 0.99, "steps": 938, "epochs": 1.0, "seconds": None}
    assert Metrics.from_dict(old) == Metrics(test_acc=0.99, steps=938, epochs=1.0)
