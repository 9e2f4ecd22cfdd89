"""Export: the ONNX file (run by onnxruntime, batch size free) and the TorchScript file give the same
probabilities as the model, for the tutorial network and a designed one; the README's onnxruntime
lines run as printed; without the optional packages ONNX export says how to get them."""
import io
import re
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch
from PIL import Image

import cnn
from cnn.export import ExportError, onnx_bytes, torchscript_bytes
from cnn.model import ModelConfig, Net
from support.procs import imported_by

README = Path(__file__).resolve().parents[1] / "README.md"


def designed() -> Net:
    torch.manual_seed(0)
    return Net(ModelConfig((8, 16, 12), 3, dense=0, batchnorm=True)).eval()


@pytest.fixture(scope="module")
def digits(mnist_small) -> np.ndarray:
    return mnist_small[1].images[:7].numpy()  # (7, 1, 28, 28) in [0, 1]


@pytest.mark.parametrize("network", ["tutorial", "designed"])
def test_onnx_gives_the_models_probabilities_for_any_batch_size(network, digits):
    model = cnn.load_model() if network == "tutorial" else designed()
    session = onnxruntime.InferenceSession(onnx_bytes(model))
    assert [i.name for i in session.get_inputs()] == ["image"]
    assert [o.name for o in session.get_outputs()] == ["probabilities"]
    for batch in (digits[:1], digits):  # 1 and 7 images: the batch axis is dynamic
        (probs,) = session.run(None, {"image": batch})
        np.testing.assert_allclose(probs, cnn.classify(model, batch[:, 0]), atol=1e-4)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")  # loading, as users will
@pytest.mark.parametrize("network", ["tutorial", "designed"])
def test_torchscript_gives_the_models_probabilities(network, digits):
    model = cnn.load_model() if network == "tutorial" else designed()
    loaded = torch.jit.load(io.BytesIO(torchscript_bytes(model)))
    with torch.inference_mode():
        probs = loaded(torch.from_numpy(digits)).numpy()
    np.testing.assert_allclose(probs, cnn.classify(model, digits[:, 0]), atol=1e-5)


def test_the_readmes_onnxruntime_lines_run_and_agree(tmp_path, monkeypatch, digits):
    snippet = re.search(r"```python\n(# onnxruntime.*?)```", README.read_text(), re.S).group(1)
    assert len(snippet.strip().splitlines()) <= 10
    model = cnn.load_model()
    (tmp_path / "mnist_cnn.onnx").write_bytes(onnx_bytes(model))
    Image.fromarray(np.round(digits[0, 0] * 255).astype(np.uint8)).save(tmp_path / "digit.png")
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(snippet, names)  # the README's own lines, as a reader would run them
    np.testing.assert_allclose(names["probabilities"][0], cnn.classify(model, digits[0, 0]), atol=1e-4)


def test_without_onnxscript_onnx_export_says_how_to_enable_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # what Python does when a package is not installed
    with pytest.raises(ExportError, match=r"pip install -r requirements-onnx.txt"):
        onnx_bytes(cnn.load_model())


def test_asking_whether_onnx_export_works_imports_neither_package():
    """The Draw page asks at its first run; importing onnx and onnxscript takes seconds."""
    assert not imported_by("from cnn.export import onnx_available; assert onnx_available()") & {"onnx", "onnxscript"}
