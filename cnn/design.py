"""What a network costs before it trains: its layers and their output shapes, parameters, FLOPs,
memory, and the time an epoch would take here.

    rows = layer_table(config)                       # one Row per layer, like a model summary
    flops = training_flops(config)                   # per training image, forward and backward
    check_fits(config, batch_size=64)                # ConfigError if training would not fit in memory
    seconds = measured_speed().epoch_seconds(config) # this machine's speed, measured

FLOPs count the multiply-adds of the convolutions and dense layers (two FLOPs each), as
torch.utils.flop_counter does (tests/test_design.py checks the two agree); the element-wise
rest (ReLU, pooling, batch normalisation, the optimizer) is a few percent of a step.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

import torch

from .data import Split
from .errors import ConfigError
from .model import ModelConfig
from .train import Event, make_config, train

MNIST_TRAIN_IMAGES = 60_000
FLOAT_BYTES = 4
# Per parameter while training with Adam: the weight, its gradient and two moment estimates.
PARAMETER_COPIES = 4
# Per activation value while training: the value kept for backward, its gradient, and the
# intermediate (pre-pool, pre-ReLU, normalised) tensors autograd keeps beside it.
ACTIVATION_COPIES = 4
MEMORY_SHARE = 0.8  # of the memory available now: leave the rest to the server and the browser


@dataclass(frozen=True)
class Row:
    """One layer of the summary table."""

    name: str  # conv1, pool1, ..., fc1, logits
    what: str  # e.g. "conv 5×5, 32 filters, ReLU"
    shape: tuple[int, ...]  # its output for one image: (C, H, W), or (units,)
    parameters: int
    flops: int  # forward, per image

    @property
    def values(self) -> int:
        n = 1
        for side in self.shape:
            n *= side
        return n


def layer_table(config: ModelConfig) -> list[Row]:
    """The network's layers in order, with each output shape, parameter count and forward FLOPs."""
    rows, channels, side, k = [], 1, 28, config.kernel_size
    for i, out in enumerate(config.channels, 1):
        norm = ", batch norm" if config.batchnorm else ""
        weights = k * k * channels * out + (2 * out if config.batchnorm else out)  # bias, or the norm's scale and shift
        rows.append(Row(f"conv{i}", f"conv {k}×{k}, {out} filters{norm}, ReLU", (out, side, side), weights,
                        2 * k * k * channels * out * side * side))
        channels, side = out, side // 2
        rows.append(Row(f"pool{i}", "max-pool 2×2", (out, side, side), 0, 0))
    features = config.features
    if config.dense:
        rows.append(Row("fc1", f"dense {features} → {config.dense}, ReLU", (config.dense,),
                        (features + 1) * config.dense, 2 * features * config.dense))
        features = config.dense
    drop = f"dropout {config.dropout:g}, " if config.dropout else ""
    rows.append(Row("logits", f"{drop}dense {features} → {config.num_classes}", (config.num_classes,),
                    (features + 1) * config.num_classes, 2 * features * config.num_classes))
    return rows


def parameter_count(config: ModelConfig) -> int:
    return sum(r.parameters for r in layer_table(config))


def training_flops(config: ModelConfig) -> int:
    """FLOPs to train on one image: the forward pass, then backward's two products per layer (the
    gradient of the weights, and of the layer's input: none for conv1, whose input is the image)."""
    rows = [r for r in layer_table(config) if r.flops]
    return 3 * sum(r.flops for r in rows) - rows[0].flops


def training_memory(config: ModelConfig, batch_size: int) -> int:
    """Bytes a training step needs, about: weights with their gradients and Adam's moments, and the
    activations of a batch kept for backward."""
    values = sum(r.values for r in layer_table(config))
    return FLOAT_BYTES * (PARAMETER_COPIES * parameter_count(config) + ACTIVATION_COPIES * batch_size * values)


def available_memory(device: torch.device | None = None) -> int | None:
    """Bytes free for a run now: the GPU's free memory, or the machine's available memory (None
    where the system does not say)."""
    if device is not None and device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as f:  # Linux: MemAvailable counts reclaimable caches too
            fields = dict(line.split(":", 1) for line in f)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # e.g. Windows and macOS: no such names
        return None


def check_fits(config: ModelConfig, batch_size: int, available: int | None = None) -> None:
    """Raise ConfigError, saying what to change, if training would need more memory than is free."""
    available = available if available is not None else available_memory()
    need = training_memory(config, batch_size)
    if available is not None and need > MEMORY_SHARE * available:
        raise ConfigError(f"This network needs about {need / 2**30:.1f} GB to train at batch size {batch_size}, "
                          f"and this server has {available / 2**30:.1f} GB free: lower the batch size or the "
                          f"conv channels (the first block's cost the most), or pick a smaller dense layer.")


# The smallest network one can design: its time per image is nearly all the per-image cost that does
# not grow with the network (slicing the batch, the loss, the optimizer's call, Python).
SMALLEST = ModelConfig(channels=(1,), kernel_size=3, dense=0, dropout=0.0)


@dataclass(frozen=True)
class Speed:
    """How fast this machine trains: a fixed cost per image plus the FLOPs at a rate. FLOPs alone
    put a small network's epoch at a tenth of its real time (bench/bench_design.py)."""

    seconds_per_image: float
    flops_per_second: float

    def epoch_seconds(self, config: ModelConfig, images: int = MNIST_TRAIN_IMAGES) -> float:
        """The time one epoch of `config` would take at this speed."""
        return images * (self.seconds_per_image + training_flops(config) / self.flops_per_second)


def measured_speed(precision: str = "auto") -> Speed:
    """This machine's Speed, measured by the real trainer on the tutorial network and on SMALLEST
    (a second or two on two cores): the difference in time between the two is their difference in
    FLOPs; what is left of the small one's time is the fixed cost."""
    big, small = (_seconds_per_image(network, precision) for network in (ModelConfig(), SMALLEST))
    extra_flops = training_flops(ModelConfig()) - training_flops(SMALLEST)
    if big <= small:  # a noisy machine can measure that: count it all as FLOPs
        return Speed(0.0, training_flops(ModelConfig()) / big)
    rate = extra_flops / (big - small)
    return Speed(max(small - training_flops(SMALLEST) / rate, 0.0), rate)


def _seconds_per_image(network: ModelConfig, precision: str, steps: int = 10, warmup: int = 3,
                       batch_size: int = 64) -> float:
    """Seconds per training image of `network`, timed by the real trainer after `warmup` steps (the
    first ones also set up oneDNN's kernels), on random images."""
    marks = {}

    def on_event(event: Event) -> None:
        if event.kind == "step" and event.step in (warmup, steps):
            marks[event.step] = time.perf_counter()

    images = torch.rand(steps * batch_size, 1, 28, 28)
    data = Split(images, torch.randint(0, 10, (len(images),)))
    config = make_config("fast", max_steps=steps, eval_every=steps, batch_size=batch_size, precision=precision,
                         network=network)
    threads = torch.get_num_threads()  # the trainer takes every core; a server keeps fewer for itself
    try:
        train(config, on_event, data=(data, Split(images[:1], data.labels[:1])))
    finally:
        torch.set_num_threads(threads)
    return (marks[steps] - marks[warmup]) / ((steps - warmup) * batch_size)
