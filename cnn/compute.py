"""One activation, computed by hand: the numbers behind any value the network shows for an image.

    step = conv_sum(model, image, "conv2", channel=5, row=3, col=9)
    step.window, step.kernel, step.products   # (32, 5, 5) each: what the kernel reads, and times
    step.total + step.bias, step.value        # the sum, and after the ReLU: the map's value at (3, 9)
    pool_pick(model, image, "pool1", 5, 3, 4).winner   # which of the 2x2 values the max-pool kept
    dense_sum(model, image, "logits", 7).strongest(5)  # the five inputs that moved the 7's logit most

Everything is recomputed from the weights in float64, apart from the model's own forward pass,
so a value that agrees with the feature map shows the map really is this arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .model import MNIST_MEAN, MNIST_STD, Net

POOL = 2  # every block's max-pool is 2x2, stride 2


@dataclass(frozen=True)
class ConvSum:
    """conv{i}'s value at (row, col) of one channel: a kernel over a window of its input."""

    layer: str
    channel: int
    row: int
    col: int
    source: str  # what the kernel reads: "input" (the standardised image) or the pool before
    window: np.ndarray  # (C_in, k, k): the input under the kernel; 0 where it overhangs (padding)
    inside: np.ndarray  # (k, k) bool: False where the window overhangs the input
    kernel: np.ndarray  # (C_in, k, k)
    bias: float  # the convolution's bias (0 with batch norm, whose shift replaces it)
    norm: tuple[float, float] | None  # batch norm folded to (scale, shift), or None

    @property
    def products(self) -> np.ndarray:
        return self.window * self.kernel  # (C_in, k, k)

    @property
    def total(self) -> float:
        return float(self.products.sum())

    @property
    def by_channel(self) -> np.ndarray:
        """(C_in,): each input channel's share of the sum."""
        return self.products.sum(axis=(1, 2))

    @property
    def before_relu(self) -> float:
        z = self.total + self.bias
        return z * self.norm[0] + self.norm[1] if self.norm else z

    @property
    def value(self) -> float:
        return max(self.before_relu, 0.0)

    def strongest(self, count: int) -> np.ndarray:
        """The input channels that moved the sum most either way, largest first."""
        return np.argsort(-np.abs(self.by_channel), kind="stable")[:count]


@dataclass(frozen=True)
class PoolPick:
    """pool{i}'s value at (row, col): the largest of a 2x2 window of conv{i}'s map."""

    layer: str
    channel: int
    row: int
    col: int
    window: np.ndarray  # (2, 2)

    @property
    def winner(self) -> tuple[int, int]:
        """(row, col) within the window of the value kept."""
        r, c = np.unravel_index(int(self.window.argmax()), self.window.shape)
        return int(r), int(c)

    @property
    def value(self) -> float:
        return float(self.window.max())


@dataclass(frozen=True)
class DenseSum:
    """A unit of fc1 (then a ReLU) or a logit (none): a weighted sum of every input."""

    layer: str
    unit: int
    source: str  # "pool2" (flattened as channel, row, col) or "fc1"
    source_shape: tuple[int, ...]  # (C, H, W) for a pool, (n,) for fc1
    inputs: np.ndarray  # (n,)
    weights: np.ndarray  # (n,)
    bias: float
    relu: bool

    @property
    def products(self) -> np.ndarray:
        return self.inputs * self.weights

    @property
    def before_relu(self) -> float:
        return float(self.products.sum()) + self.bias

    @property
    def value(self) -> float:
        return max(self.before_relu, 0.0) if self.relu else self.before_relu

    def strongest(self, count: int) -> np.ndarray:
        return np.argsort(-np.abs(self.products), kind="stable")[:count]

    def input_name(self, index: int) -> str:
        """One input, in words: "pool2 channel 12 at (3, 4)" or "fc1 unit 17"."""
        if len(self.source_shape) == 1:
            return f"{self.source} unit {index}"
        channel, row, col = np.unravel_index(index, self.source_shape)
        return f"{self.source} channel {channel} at ({row}, {col})"


def conv_sum(model: Net, image: np.ndarray, layer: str, channel: int, row: int, col: int) -> ConvSum:
    """The arithmetic of conv{i}'s `channel` at (row, col) for one (28, 28) image in [0, 1]."""
    block = model.config.block_of(layer, "conv")
    source = "input" if block == 1 else f"pool{block - 1}"
    maps = _maps(model, image)
    below = maps[source]  # (C_in, H, W)
    _check_position(maps[layer], channel, row, col, layer)
    conv = getattr(model, layer)
    k = conv.kernel_size[0]
    window, inside = _window(below, row, col, k)
    bias = float(conv.bias.detach()[channel]) if conv.bias is not None else 0.0
    return ConvSum(layer, channel, row, col, source, window, inside,
                   _numpy(conv.weight[channel]), bias, _folded_norm(model, block, channel))


def pool_pick(model: Net, image: np.ndarray, layer: str, channel: int, row: int, col: int) -> PoolPick:
    """Which value of conv{i}'s 2x2 window pool{i}'s `channel` keeps at (row, col)."""
    block = model.config.block_of(layer, "pool")
    maps = _maps(model, image)
    _check_position(maps[layer], channel, row, col, layer)
    conv = maps[f"conv{block}"][channel]
    return PoolPick(layer, channel, row, col, conv[POOL * row : POOL * row + POOL, POOL * col : POOL * col + POOL])


def dense_sum(model: Net, image: np.ndarray, layer: str, unit: int) -> DenseSum:
    """The weighted sum behind fc1's `unit` or the logit of digit `unit`."""
    if layer not in ("fc1", "logits") or layer not in model.config.layers:
        raise ValueError(f"{layer!r} is not a dense layer of this network ({', '.join(model.config.layers)})")
    linear = getattr(model, layer)
    if not 0 <= unit < linear.out_features:
        raise ValueError(f"{layer} has units 0 to {linear.out_features - 1}, got {unit}")
    source = "fc1" if layer == "logits" and model.fc1 is not None else f"pool{len(model.config.channels)}"
    below = _maps(model, image)[source]  # dropout does nothing in eval mode
    return DenseSum(layer, unit, source, below.shape, below.reshape(-1), _numpy(linear.weight[unit]),
                    float(linear.bias.detach()[unit]), relu=layer == "fc1")


def _maps(model: Net, image: np.ndarray) -> dict[str, np.ndarray]:
    """Every activation as float64 numpy: "input" (1, 28, 28) standardised as the model does it,
    conv/pool maps (C, H, W), fc1 and logits (n,)."""
    if np.shape(image) != (28, 28):
        raise ValueError(f"expected one (28, 28) image, got shape {np.shape(image)}")
    x = torch.as_tensor(np.asarray(image, np.float32)).reshape(1, 1, 28, 28).to(next(model.parameters()).device)
    with torch.inference_mode():
        acts = model.forward_all(x)
    maps = {name: _numpy(a[0]) for name, a in acts.items()}
    maps["input"] = ((np.asarray(image, np.float64) - MNIST_MEAN) / MNIST_STD)[None]
    return maps


def _window(below: np.ndarray, row: int, col: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The (C, k, k) window centred on (row, col) of (C, H, W) maps, zero-padded as "same"
    convolution pads, and where it lies inside the maps (k, k)."""
    pad = k // 2
    padded = np.pad(below, ((0, 0), (pad, pad), (pad, pad)))
    inside = np.pad(np.ones(below.shape[1:], bool), pad)[row : row + k, col : col + k]
    return padded[:, row : row + k, col : col + k], inside


def _folded_norm(model: Net, block: int, channel: int) -> tuple[float, float] | None:
    """Batch norm in eval mode is x * scale + shift for each channel."""
    if not model.config.batchnorm:
        return None
    bn = getattr(model, f"bn{block}")
    weight, bias = bn.weight.detach(), bn.bias.detach()
    scale = float(weight[channel]) / float(torch.sqrt(bn.running_var[channel] + bn.eps))
    return scale, float(bias[channel]) - float(bn.running_mean[channel]) * scale


def _check_position(maps: np.ndarray, channel: int, row: int, col: int, layer: str) -> None:
    c, h, w = maps.shape
    if not (0 <= channel < c and 0 <= row < h and 0 <= col < w):
        raise ValueError(f"{layer} has channels 0-{c - 1} and positions (0-{h - 1}, 0-{w - 1}); "
                         f"got channel {channel} at ({row}, {col})")


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().cpu().numpy()
