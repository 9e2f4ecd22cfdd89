"""Take a model anywhere: ONNX (onnxruntime, and every runtime that reads ONNX) and TorchScript
(LibTorch in C++, or Python without this package).

    data = onnx_bytes(model)         # input "image" (N, 1, 28, 28) in [0, 1] -> "probabilities" (N, 10)
    data = torchscript_bytes(model)  # torch.jit.load(io.BytesIO(data))(images) -> probabilities

Both files take the 28x28 images cnn.canvas_to_mnist makes and give the ten probabilities: the
standardisation is inside the network and a softmax is added at its end, so a program using
them needs no code from here. The batch size is free (ONNX: a dynamic axis "batch").
"""
from __future__ import annotations

import importlib.util
import io
import sys
import tempfile
import warnings
from pathlib import Path

import torch

from .errors import CnnError
from .model import Net

INPUT, OUTPUT = "image", "probabilities"
ONNX_PACKAGES = "onnx and onnxscript"
ONNX_HOW = "pip install -r requirements-onnx.txt"


class ExportError(CnnError):
    """A model that cannot be exported here, with what to do about it."""


class _Probabilities(torch.nn.Module):
    """The network, then a softmax: (N, 1, 28, 28) in [0, 1] -> (N, 10) probabilities."""

    def __init__(self, model: Net):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(image), dim=1)


def onnx_available() -> bool:
    """Whether torch.onnx's exporter has the packages it needs (they are optional here): found, not
    imported. The Draw page asks at its first run: with the import, its canvas showed after 5.5 s
    rather than 2.8 s (`python -m bench.bench_first_paint --pages Draw`, 2-core AMD EPYC)."""
    return all(_installed(name) for name in ("onnx", "onnxscript"))


def _installed(name: str) -> bool:
    if name in sys.modules:  # None there: an import Python has been told to refuse
        return sys.modules[name] is not None
    return importlib.util.find_spec(name) is not None


def onnx_bytes(model: Net) -> bytes:
    """The model as an ONNX file with a dynamic batch axis. Raises ExportError without onnx/onnxscript."""
    if not onnx_available():
        raise ExportError(f"ONNX export needs the {ONNX_PACKAGES} packages: {ONNX_HOW}")
    wrapped = _Probabilities(_on_cpu(model)).eval()
    example = torch.rand(2, 1, 28, 28)
    with warnings.catch_warnings():  # the exporter's progress notes and its own deprecations: not the user's
        warnings.simplefilter("ignore")
        program = torch.onnx.export(wrapped, (example,), dynamo=True, input_names=[INPUT], output_names=[OUTPUT],
                                    dynamic_shapes={INPUT: {0: torch.export.Dim("batch")}}, verbose=False)
    with tempfile.TemporaryDirectory() as folder:  # the program saves to a path only
        path = Path(folder) / "model.onnx"
        program.save(str(path))
        return path.read_bytes()


def torchscript_bytes(model: Net) -> bytes:
    """The model traced to TorchScript. PyTorch marks TorchScript deprecated in favour of torch.export,
    but LibTorch still loads it and people still ask for it; the warning is for PyTorch's users, not ours."""
    wrapped = _Probabilities(_on_cpu(model)).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.save(torch.jit.trace(wrapped, torch.rand(1, 1, 28, 28)), buffer)
    return buffer.getvalue()


def _on_cpu(model: Net) -> Net:
    """A CPU copy in eval mode: an export must not move or change the model a page is using."""
    copy = Net(model.config)
    copy.load_state_dict({k: v.detach().cpu() for k, v in model.state_dict().items()})
    return copy.eval()
