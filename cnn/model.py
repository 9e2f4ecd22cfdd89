"""The network from the classic TensorFlow "Layers" MNIST tutorial, in PyTorch, and the family of
networks like it that people can design on the Train page.

The default (the tutorial's): conv 32 5x5 -> pool -> conv 64 5x5 -> pool -> dense 1024 -> dropout 0.4
-> 10 logits. A ModelConfig changes the number of conv blocks (1 to 3), their channels, the kernel
size, the dense layer (or none), the dropout and batch normalisation.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .errors import ConfigError, is_int, is_number

# The mean and standard deviation of the MNIST training set's pixels in [0, 1] (tests/test_data.py
# measures them on the data). Inputs are standardised inside the model, so callers never normalise by hand.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

KERNELS = (3, 5, 7)
MAX_BLOCKS = 3  # 28 -> 14 -> 7 -> 3: a fourth 2x2 pool would leave 1x1 maps
MAX_CHANNELS = 256
MAX_DENSE = 2048


@dataclass(frozen=True)
class ModelConfig:
    """The network's shape. Each entry of `channels` is one block: a "same" convolution, batch
    normalisation (if on), ReLU and a 2x2 max-pool. Then the hidden dense layer fc1 (none if
    `dense` is 0), dropout, and the logits."""

    channels: tuple[int, ...] = (32, 64)
    kernel_size: int = 5
    dense: int = 1024
    dropout: float = 0.4
    batchnorm: bool = False
    num_classes: int = 10

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))  # a list from JSON or a flag is fine
        problem = next((message for ok, message in self._checks() if not ok), None)
        if problem:
            raise ConfigError(problem)

    def _checks(self):
        """(ok, what to say if not), each saying which setting to change; lazily, like TrainConfig's."""
        blocks, k, dense, drop = self.channels, self.kernel_size, self.dense, self.dropout
        yield 1 <= len(blocks) <= MAX_BLOCKS, f"the network needs 1 to {MAX_BLOCKS} conv blocks, got {len(blocks)}"
        yield all(is_int(c) and 1 <= c <= MAX_CHANNELS for c in blocks), \
            f"conv channels must be whole numbers from 1 to {MAX_CHANNELS}, got {list(blocks)}"
        yield k in KERNELS, f"kernel size must be one of {', '.join(map(str, KERNELS))}, got {k!r}"
        yield is_int(dense) and 0 <= dense <= MAX_DENSE, f"dense units must be 0 (none) to {MAX_DENSE}, got {dense!r}"
        yield is_number(drop) and 0 <= drop < 1, f"dropout must be from 0 to below 1, got {drop!r}"
        yield isinstance(self.batchnorm, bool), f"batch normalisation is on or off, got {self.batchnorm!r}"
        yield is_int(self.num_classes) and self.num_classes >= 2, "a classifier needs at least 2 classes"

    def to_dict(self) -> dict:
        return {"channels": list(self.channels), "kernel_size": self.kernel_size, "dense": self.dense,
                "dropout": self.dropout, "batchnorm": self.batchnorm, "num_classes": self.num_classes}

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """From to_dict's form, or from the tutorial-only form that checkpoints before network design
        stored (conv1_channels, conv2_channels, fc1_units). Raises ConfigError or TypeError."""
        d = dict(d)
        if "conv1_channels" in d:
            d["channels"] = (d.pop("conv1_channels"), d.pop("conv2_channels", 64))
            d["dense"] = d.pop("fc1_units", 1024)
        return cls(**d)

    @property
    def map_sides(self) -> tuple[int, ...]:
        """The side of each block's pooled maps: (14, 7) for two blocks."""
        sides, side = [], 28
        for _ in self.channels:
            side //= 2
            sides.append(side)
        return tuple(sides)

    @property
    def features(self) -> int:
        """Values in the last pooled maps, flattened: what fc1 (or the logits) reads."""
        return self.channels[-1] * self.map_sides[-1] ** 2

    @property
    def layers(self) -> tuple[str, ...]:
        """The names of forward_all's activations, in order."""
        blocks = [name for i in range(1, len(self.channels) + 1) for name in (f"conv{i}", f"pool{i}")]
        return (*blocks, *(["fc1"] if self.dense else []), "logits")

    @property
    def spatial_layers(self) -> tuple[str, ...]:
        """The layers whose activations are maps (C, H, W) rather than vectors."""
        return tuple(name for name in self.layers if name.startswith(("conv", "pool")))

    def block_of(self, layer: str, kind: str = "conv") -> int:
        """i for this network's layer "{kind}{i}" (kind "conv" or "pool"); ValueError for any other layer."""
        names = [name for name in self.spatial_layers if name.startswith(kind)]
        if layer not in names:
            raise ValueError(f"{layer!r} is not one of this network's {kind} layers ({', '.join(names)})")
        return int(layer[len(kind):])


LAYERS = ModelConfig().layers  # the tutorial network's


class Net(nn.Module):
    """Modules conv1..convN (and bn1..bnN with batch normalisation), fc1 (when there is a dense
    layer) and logits: the names its checkpoints use."""

    def __init__(self, config: ModelConfig | None = None):
        super().__init__()
        self.config = config = config or ModelConfig()
        pad = config.kernel_size // 2  # "same" padding for odd kernels
        inputs = 1
        for i, out in enumerate(config.channels, 1):
            # Batch normalisation has its own shift, which makes a conv bias redundant.
            setattr(self, f"conv{i}", nn.Conv2d(inputs, out, config.kernel_size, padding=pad,
                                                bias=not config.batchnorm))
            if config.batchnorm:
                setattr(self, f"bn{i}", nn.BatchNorm2d(out))
            inputs = out
        self.fc1 = nn.Linear(config.features, config.dense) if config.dense else None
        self.drop = nn.Dropout(config.dropout)
        self.logits = nn.Linear(config.dense or config.features, config.num_classes)

    def _block(self, i: int, x: torch.Tensor) -> torch.Tensor:
        """Block i's convolution, with its batch normalisation if the network has it."""
        x = getattr(self, f"conv{i}")(x)
        return getattr(self, f"bn{i}")(x) if self.config.batchnorm else x

    def _head(self, x: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        """(fc1's activations or None, logits) from the last pooled maps (B, C, H, W)."""
        hidden = F.relu(self.fc1(x.flatten(1))) if self.fc1 is not None else None  # (B, dense)
        return hidden, self.logits(self.drop(x.flatten(1) if hidden is None else hidden))  # (B, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 1, 28, 28) in [0, 1]. Returns logits (B, 10).

        The training path pools before the ReLU: max-pool and ReLU commute (both are
        monotonic), and ReLU on the pooled map touches a quarter of the values. forward_all
        keeps the tutorial's order because it shows the full-size conv activations.
        """
        x = (x - MNIST_MEAN) / MNIST_STD
        for i in range(1, len(self.config.channels) + 1):
            x = F.relu(F.max_pool2d(self._block(i, x), 2))  # (B, 32, 14, 14), then (B, 64, 7, 7)...
        return self._head(x)[1]

    def forward_all(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """One forward pass that keeps every intermediate activation, keyed by config.layers."""
        x = (x - MNIST_MEAN) / MNIST_STD
        acts = {}
        for i in range(1, len(self.config.channels) + 1):
            acts[f"conv{i}"] = x = F.relu(self._block(i, x))  # (B, 32, 28, 28) for the tutorial's conv1
            acts[f"pool{i}"] = x = F.max_pool2d(x, 2)  # (B, 32, 14, 14)
        hidden, logits = self._head(x)
        if hidden is not None:
            acts["fc1"] = hidden  # (B, 1024)
        acts["logits"] = logits  # (B, 10)
        return acts


def load_state(model: Net, state: dict[str, torch.Tensor]) -> None:
    """model.load_state_dict, also for state saved before network design, whose output layer was
    named fc2 (now `logits`, whatever layers come before it)."""
    model.load_state_dict({("logits" + k[3:] if k.startswith("fc2.") else k): v for k, v in state.items()})
