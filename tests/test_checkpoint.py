import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

import cnn
from cnn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from cnn.model import ModelConfig, Net


@pytest.fixture
def saved(tmp_path) -> Path:
    torch.manual_seed(0)
    return save_checkpoint(tmp_path / "model.pt", Net(), {"lr": 0.1}, {"test_acc": 0.5}, {"note": "hi"})


def test_round_trip_keeps_weights_configs_and_metrics(tmp_path):
    torch.manual_seed(0)
    model = Net(ModelConfig(channels=(8, 16, 16), kernel_size=3, dense=64, batchnorm=True))
    path = save_checkpoint(tmp_path / "sub" / "m.pt", model, {"lr": 0.1}, {"test_acc": 0.9}, {"curves": [1, 2]})
    ckpt = load_checkpoint(path)
    assert ckpt.model.config == model.config and not ckpt.model.training
    for a, b in zip(model.state_dict().values(), ckpt.model.state_dict().values()):
        torch.testing.assert_close(a, b)
    assert ckpt.train_config == {"lr": 0.1} and ckpt.metrics == {"test_acc": 0.9} and ckpt.extra == {"curves": [1, 2]}


def test_half_precision_halves_the_file_and_keeps_predictions(tmp_path):
    torch.manual_seed(0)
    model = Net().eval()
    full = save_checkpoint(tmp_path / "full.pt", model)
    half = save_checkpoint(tmp_path / "half.pt", model, half=True)
    assert half.stat().st_size < 0.55 * full.stat().st_size
    x = torch.rand(4, 1, 28, 28)
    torch.testing.assert_close(load_checkpoint(half).model(x), model(x), atol=2e-3, rtol=0)


def test_a_crash_while_saving_leaves_the_old_checkpoint_whole(saved, monkeypatch):
    before = saved.read_bytes()

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError):
        save_checkpoint(saved, Net())
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == ["model.pt"]  # no temporary file left


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="No checkpoint"):
        load_checkpoint(tmp_path / "nope.pt")


def test_empty_file(tmp_path):
    (tmp_path / "e.pt").touch()
    with pytest.raises(CheckpointError, match="empty"):
        load_checkpoint(tmp_path / "e.pt")


def test_truncated_file(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(saved)


RANDOM = [np.random.default_rng(seed).bytes(5000) for seed in range(20)]


@pytest.mark.parametrize("content", [*RANDOM, b"not a checkpoint at all", b"PK\x03\x04" + RANDOM[0][:100]])
def test_random_bytes(tmp_path, content):
    path = tmp_path / "r.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="damaged or not a checkpoint"):
        load_checkpoint(path)


class RunsCode:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


MARKER = Path("/tmp") / f"cnn-pickle-ran-{os.getpid()}"


@pytest.mark.parametrize("save, message", [
    (torch.save, "not a safe checkpoint"),  # torch's own format, with a global that runs a command
    (lambda obj, path: Path(path).write_bytes(pickle.dumps(obj, protocol=4)), "damaged or not a checkpoint"),
])
def test_a_pickle_that_would_run_code_does_not_run(tmp_path, save, message):
    path = tmp_path / "evil.pt"
    save({"format": "cnn-mnist-checkpoint", "payload": RunsCode()}, path)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)
    assert not MARKER.exists()


def test_another_networks_weights(tmp_path):
    other = torch.nn.Sequential(torch.nn.Linear(784, 10))
    torch.save(other.state_dict(), tmp_path / "plain.pt")
    with pytest.raises(CheckpointError, match="not a checkpoint of this project"):
        load_checkpoint(tmp_path / "plain.pt")
    # Our format, but weights shaped for another network.
    path = save_checkpoint(tmp_path / "ours.pt", Net())
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["fc1.weight"] = torch.zeros(512, 3136)
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="another network"):
        load_checkpoint(path)


@pytest.mark.parametrize("thing", [[1, 2, 3], "hello", {"a": 1}, torch.zeros(3)])
def test_a_pickle_of_anything_else(tmp_path, thing):
    torch.save(thing, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="not a checkpoint of this project"):
        load_checkpoint(tmp_path / "x.pt")


def test_non_finite_weights_are_refused(saved):
    payload = torch.load(saved, weights_only=True)
    payload["state_dict"]["logits.bias"][0] = float("nan")
    torch.save(payload, saved)
    with pytest.raises(CheckpointError, match="not finite"):
        load_checkpoint(saved)


def test_unknown_version_and_config(saved):
    payload = torch.load(saved, weights_only=True)
    torch.save({**payload, "version": 99}, saved)
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(saved)
    torch.save({**payload, "model_config": {"wings": 2}}, saved)
    with pytest.raises(CheckpointError, match="model configuration"):
        load_checkpoint(saved)


@pytest.mark.parametrize("history", [
    None,
    "not a dict",
    {"steps": [0, 10], "filters": "no tensors"},
    {"steps": torch.tensor(5), "filters": torch.zeros(1, 32, 1, 5, 5)},  # steps not a list of steps
    {"steps": torch.tensor([0, 10]), "filters": torch.zeros(3, 32, 1, 5, 5)},  # counts disagree
    {"steps": torch.tensor([0]), "filters": torch.zeros(1, 16, 1, 5, 5)},  # another network's filters
    {"steps": torch.tensor([0]), "filters": torch.full((1, 32, 1, 5, 5), float("nan"))},
    {"steps": torch.tensor([], dtype=torch.long), "filters": torch.zeros(0, 32, 1, 5, 5)},
])
def test_a_missing_or_malformed_filter_history_reads_as_none(tmp_path, history):
    extra = {} if history is None else {"filter_history": history}
    path = save_checkpoint(tmp_path / "model.pt", Net(), extra=extra)
    assert load_checkpoint(path).filter_history() is None


def test_a_filter_history_round_trips(tmp_path):
    filters = torch.randn(2, 32, 1, 5, 5)
    path = save_checkpoint(tmp_path / "model.pt", Net(), extra={"filter_history": {
        "steps": torch.tensor([0, 7]), "filters": filters}})
    steps, kept = load_checkpoint(path).filter_history()
    assert steps == [0, 7]
    np.testing.assert_array_equal(kept, filters.numpy())


def test_the_bundled_checkpoint_written_before_network_design_loads_as_the_tutorial_network():
    payload = torch.load(cnn.BUNDLED_MODEL, weights_only=True)
    assert "conv1_channels" in payload["model_config"] and "fc2.weight" in payload["state_dict"]  # the old form
    model = load_checkpoint(cnn.BUNDLED_MODEL).model
    assert model.config == ModelConfig()
    torch.testing.assert_close(model.logits.weight, payload["state_dict"]["fc2.weight"].float())


def test_a_model_configuration_that_cannot_work_is_a_checkpoint_error(tmp_path):
    path = save_checkpoint(tmp_path / "model.pt", Net())
    payload = torch.load(path, weights_only=True)
    payload["model_config"]["kernel_size"] = 4
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="model configuration this code does not know.*kernel size"):
        load_checkpoint(path)
