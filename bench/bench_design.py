"""What network design costs, and how well the Train page's time estimate holds.

1. The trainer's float32 speed with the designable Net (the tutorial network from a ModelConfig)
   against the fixed tutorial network the project had before network design, written out as it
   was; same trainer, rounds alternating, median images/s between step 10 and step 10 + STEPS.
2. For a few designed networks: the time per epoch that cnn.design estimates from the measured
   rate (as the Train page does), against the images/s of a real short run of that network.

    CNN_DATA_DIR=../shared/data python -m bench.bench_design [--steps 100] [--rounds 3]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench.common import setup
from cnn import design
from cnn.model import MNIST_MEAN, MNIST_STD, ModelConfig
from cnn.train import make_config, train

WARMUP = 10
DESIGNED = {
    "tutorial": ModelConfig(),
    "small: 8, 16 · 3×3 · no dense": ModelConfig(channels=(8, 16), kernel_size=3, dense=0),
    "deep: 32, 64, 128 · 3×3 · 256 · batch norm": ModelConfig(channels=(32, 64, 128), kernel_size=3, dense=256,
                                                              batchnorm=True),
    "wide kernels: 32, 64 · 7×7 · 1024": ModelConfig(kernel_size=7),
}


class FixedNet(nn.Module):
    """The network as cnn/model.py wrote it before it could be designed: fixed modules."""

    def __init__(self):
        super().__init__()
        self.config = ModelConfig()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(7 * 7 * 64, 1024)
        self.drop = nn.Dropout(0.4)
        self.fc2 = nn.Linear(1024, 10)

    def forward(self, x):
        x = (x - MNIST_MEAN) / MNIST_STD
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(self.drop(x))


def images_per_sec(steps: int, model: nn.Module | None = None, network: ModelConfig | None = None) -> float:
    marks = {}

    def on_event(event):
        if event.kind == "step" and event.step in (WARMUP, WARMUP + steps):
            marks[event.step] = time.perf_counter()

    config = make_config("fast", max_steps=WARMUP + steps, eval_every=10 * steps, eval_subset=100, precision="fp32",
                         network=network)  # None: the preset's, the tutorial network
    torch.manual_seed(0)
    train(config, on_event, model=model)
    return steps * config.batch_size / (marks[WARMUP + steps] - marks[WARMUP])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    setup()
    speeds = {"designable Net": [], "fixed Net": []}
    for _ in range(args.rounds):
        speeds["designable Net"].append(images_per_sec(args.steps))
        speeds["fixed Net"].append(images_per_sec(args.steps, model=FixedNet()))
    designable, fixed = (statistics.median(v) for v in speeds.values())
    print(f"float32 trainer, median of {args.rounds}: designable Net {designable:,.0f} images/s, fixed Net "
          f"{fixed:,.0f}: ratio {designable / fixed:.3f}")

    speed = design.measured_speed("fp32")
    print(f"\nmeasured speed (the Train page's): {speed.flops_per_second / 1e9:,.0f} GFLOP/s in float32, plus "
          f"{speed.seconds_per_image * 1e6:.0f} µs per image")
    print(f"{'network':44s} {'params':>10s} {'MFLOP/img':>10s} {'estimate s/epoch':>17s} {'measured':>9s} ratio")
    for name, network in DESIGNED.items():
        estimate = speed.epoch_seconds(network)
        measured = 60_000 / images_per_sec(args.steps, network=network)
        print(f"{name:44s} {design.parameter_count(network):10,d} {design.training_flops(network) / 1e6:10.1f} "
              f"{estimate:17.1f} {measured:9.1f} {estimate / measured:.2f}")


if __name__ == "__main__":
    main()
