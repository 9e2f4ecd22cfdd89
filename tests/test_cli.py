import json
import os
import subprocess
import sys

import pytest
from torchvision.datasets import MNIST

from cnn.checkpoint import load_checkpoint
from cnn.data import DATA_ENV
from cnn.model import ModelConfig
from cnn.train import main
from support.samples import FIXTURE


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "cnn.train", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.parametrize("args, message", [
    (["--lr", "0"], "learning rate"), (["--lr", "-0.5"], "learning rate"), (["--batch-size", "0"], "batch size"),
    (["--epochs", "-1"], "epochs"), (["--optimizer", "rmsprop"], "invalid choice"),
    (["--preset", "fastest"], "invalid choice"), (["--max-steps", "0"], "max steps"),
    (["--lr", "abc"], "invalid float"), (["--kernel", "4"], "invalid choice"),
    (["--conv-channels", "8,x"], "whole numbers separated by commas"),
    (["--conv-channels", "8,8,8,8"], "1 to 3 conv blocks"), (["--dense", "5000"], "dense units"),
])
def test_bad_arguments_exit_2_with_a_message_before_any_work(args, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_data_offline_is_one_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(MNIST, "download", lambda self: (_ for _ in ()).throw(RuntimeError("no network")))
    assert main(["--data-dir", str(tmp_path), "--max-steps", "1", "--out", str(tmp_path / "m.pt")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: MNIST is not in") and DATA_ENV in err and "Traceback" not in err


@pytest.mark.skipif(not os.environ.get(DATA_ENV), reason=f"real MNIST not available: set {DATA_ENV}")
def test_a_short_real_run_prints_json_last_and_saves_a_checkpoint(tmp_path):
    out = tmp_path / "run" / "model.pt"
    proc = run_cli("--max-steps", "20", "--batch-size", "64", "--json", "--out", str(out), "--half")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"test_acc", "test_loss", "steps", "epochs", "seconds", "images_per_sec", "checkpoint"} <= result.keys()
    assert result["steps"] == 20 and result["checkpoint"] == str(out) and result["test_acc"] > 0.5
    assert "images/s" in proc.stderr  # the progress report
    assert load_checkpoint(out).metrics["steps"] == 20
    assert load_checkpoint(out).filter_history()[0][-1] == 20  # --half saves again: the history stays


def test_the_network_flags_design_the_network_that_trains(tmp_path):
    out = tmp_path / "model.pt"
    assert main(["--data-dir", str(FIXTURE), "--max-steps", "3", "--batch-size", "100", "--out", str(out),
                 "--conv-channels", "8,16", "--kernel", "3", "--dense", "0", "--dropout", "0.2", "--batchnorm"]) == 0
    assert load_checkpoint(out).model.config == ModelConfig(channels=(8, 16), kernel_size=3, dense=0, dropout=0.2,
                                                            batchnorm=True)
