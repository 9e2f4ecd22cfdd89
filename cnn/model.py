"""The network from the classic TensorFlow "Layers" MNIST tutorial, in PyTorch.

conv 32 5x5 -> pool -> conv 64 5x5 -> pool -> dense 1024 -> dropout 0.4 -> 10 logits.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

# The mean and standard deviation of the MNIST training set's pixels in [0, 1] (tests/test_data.py
# measures them on the data). Inputs are standardised inside the model, so callers never normalise by hand.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

LAYERS = ("conv1", "pool1", "conv2", "pool2", "fc1", "logits")


@dataclass(frozen=True)
class ModelConfig:
    conv1_channels: int = 32
    conv2_channels: int = 64
    kernel_size: int = 5
    fc1_units: int = 1024
    dropout: float = 0.4
    num_classes: int = 10

    def to_dict(self) -> dict:
        return asdict(self)


class Net(nn.Module):
    def __init__(self, config: ModelConfig | None = None):
        super().__init__()
        self.config = config = config or ModelConfig()
        pad = config.kernel_size // 2  # "same" padding for odd kernels
        self.conv1 = nn.Conv2d(1, config.conv1_channels, config.kernel_size, padding=pad)
        self.conv2 = nn.Conv2d(config.conv1_channels, config.conv2_channels, config.kernel_size, padding=pad)
        self.fc1 = nn.Linear(7 * 7 * config.conv2_channels, config.fc1_units)
        self.drop = nn.Dropout(config.dropout)
        self.fc2 = nn.Linear(config.fc1_units, config.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 1, 28, 28) in [0, 1]. Returns logits (B, 10).

        The training path pools before the ReLU: max-pool and ReLU commute (both are
        monotonic), and ReLU on the pooled map touches a quarter of the values. forward_all
        keeps the tutorial's order because it shows the full-size conv activations.
        """
        x = (x - MNIST_MEAN) / MNIST_STD
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # (B, 32, 14, 14)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))  # (B, 64, 7, 7)
        x = F.relu(self.fc1(x.flatten(1)))  # (B, 1024)
        return self.fc2(self.drop(x))  # (B, 10)

    def forward_all(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """One forward pass that keeps every intermediate activation, keyed by LAYERS."""
        x = (x - MNIST_MEAN) / MNIST_STD
        acts = {}
        acts["conv1"] = F.relu(self.conv1(x))             # (B, 32, 28, 28)
        acts["pool1"] = F.max_pool2d(acts["conv1"], 2)    # (B, 32, 14, 14)
        acts["conv2"] = F.relu(self.conv2(acts["pool1"]))  # (B, 64, 14, 14)
        acts["pool2"] = F.max_pool2d(acts["conv2"], 2)    # (B, 64, 7, 7)
        acts["fc1"] = F.relu(self.fc1(acts["pool2"].flatten(1)))  # (B, 1024)
        acts["logits"] = self.fc2(self.drop(acts["fc1"]))  # (B, 10)
        return acts
