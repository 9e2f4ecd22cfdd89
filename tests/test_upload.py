"""Bringing a model in: a checkpoint of this app (any network it trains) becomes a run every page
offers; anything else (a pickle that would run code, a foreign or damaged file, one too large) is
refused with a message that names the file, and nothing is saved."""
import io
import pickle

import pytest
import torch

import cnn
from cnn import runs
from cnn.checkpoint import save_checkpoint
from cnn.model import ModelConfig, Net
from cnn.runs import add_model, list_runs
from support.apptest import texts


class _RunsCode:
    """Unpickling this runs os.system: what a malicious "checkpoint" would do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f"touch {self.marker}",)


def test_a_checkpoint_of_this_app_becomes_a_run_that_loads(tmp_path):
    designed = tmp_path / "designed.pt"
    save_checkpoint(designed, Net(ModelConfig((8, 16, 12), 3, dense=0, batchnorm=True)).eval())
    for path in (cnn.BUNDLED_MODEL, designed):
        name = add_model(path.read_bytes(), path.name, tmp_path / "runs")
        assert name.startswith(f"uploaded-{path.stem}-")
        [run] = [r for r in list_runs(tmp_path / "runs") if r.name == name]
        assert run.status == "saved" and run.checkpoint.read_bytes() == path.read_bytes()
        assert cnn.load_model(run.checkpoint).config == cnn.load_checkpoint(path).model.config


@pytest.mark.parametrize("make, message", [
    (lambda marker: _saved(_RunsCode(marker)), "not a safe checkpoint"),  # as torch.save writes it
    (lambda marker: pickle.dumps(_RunsCode(marker)), "damaged or not a checkpoint"),  # a bare pickle
    (lambda marker: b"not a checkpoint at all", "damaged or not a checkpoint"),
    (lambda marker: b"", "empty"),
    (lambda marker: _saved({"weights": torch.zeros(3)}), "not a checkpoint of this project"),
])
def test_anything_else_is_refused_by_name_and_nothing_is_saved(tmp_path, make, message):
    marker = tmp_path / "code-ran"
    with pytest.raises(cnn.CheckpointError, match=message) as refused:
        add_model(make(marker), "../../my model.pt", tmp_path / "runs")
    assert "my model.pt" in str(refused.value) and str(tmp_path) not in str(refused.value)
    assert not marker.exists() and not (tmp_path / "runs").exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "MAX_MODEL_MB", 1)
    with pytest.raises(cnn.CheckpointError, match=r"big.pt is 2 MB: a model of this app is at most 1 MB"):
        add_model(b"\0" * 2 * 2**20, "big.pt", tmp_path / "runs")
    assert not (tmp_path / "runs").exists()


def upload(app, name: str, data: bytes) -> None:
    app.file_uploader(key="draw_upload").set_value((name, data, "application/octet-stream")).run()


def _saved(payload) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def test_draw_adds_an_uploaded_checkpoint_chooses_it_and_refuses_anything_else(app, tmp_path):
    app.switch_page("pages/2_Draw.py").run()
    upload(app, "evil.pt", pickle.dumps(_RunsCode(tmp_path / "code-ran")))
    assert not app.exception and "Not added: evil.pt is damaged or not a checkpoint" in texts(app)
    assert not (tmp_path / "code-ran").exists() and list_runs(tmp_path / "runs") == []
    upload(app, "mine.pt", cnn.BUNDLED_MODEL.read_bytes())
    [run] = list_runs(tmp_path / "runs")
    assert not app.exception and f"Added as the run {run.name}, chosen above" in texts(app)
    assert app.selectbox(key="draw_model").value.path == run.checkpoint  # the picker chose it
    app.switch_page("pages/3_Evaluate.py").run()  # and the other pages offer it
    assert any(o.startswith(run.name) for o in app.selectbox(key="eval_model").options)
