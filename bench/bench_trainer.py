"""Trainer throughput against a pytorch/examples-style pipeline, measured side by side.

Baseline: torchvision's MNIST dataset with ToTensor/Normalize per image, a DataLoader
(the default preset's batch size, shuffled, no workers: pytorch/examples' CPU setting), the same network
written the usual way (conv -> ReLU -> pool, float32, NCHW) and Adam. Ours: cnn.train with the
default preset in float32, in float32 with augmentation, and with --precision auto (bfloat16 where
this CPU has it natively). Rounds alternate so that load on this shared machine hits all alike; each
figure is the median over rounds of the images/s between step 10 and step 10 + STEPS. The GEMM
bound is this CPU's float32 matrix-multiply speed, measured in the same run, over the network's
0.083 GFLOP per training image: no float32 trainer of this network can beat it.

    CNN_DATA_DIR=../shared/data python -m bench.bench_trainer [--steps 150] [--rounds 3]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms

from bench.common import setup
from cnn.data import data_root
from cnn.hardware import precision_name, resolve_device, resolve_precision
from cnn.train import make_config, train

BATCH = make_config("fast").batch_size  # the default preset's batch size, for both pipelines
WARMUP = 10
# One training image: forward 27.7 MFLOP (conv1 1.25, conv2 20.1, fc1 6.4), backward twice that.
GFLOP_PER_IMAGE = 0.083


class ExamplesNet(nn.Module):
    """The tutorial network as pytorch/examples' mnist/main.py would write it."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(7 * 7 * 64, 1024)
        self.dropout = nn.Dropout(0.4)
        self.fc2 = nn.Linear(1024, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout(F.relu(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


def baseline_images_per_sec(steps: int) -> float:
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    dataset = datasets.MNIST(str(data_root()), train=True, download=False, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True)
    model = ExamplesNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for i, (images, labels) in enumerate(loader):
        if i == WARMUP:
            start = time.perf_counter()
        optimizer.zero_grad()
        loss = F.nll_loss(F.log_softmax(model(images), dim=1), labels)
        loss.backward()
        optimizer.step()
        loss.item()
        if i == WARMUP + steps:
            return steps * BATCH / (time.perf_counter() - start)
    raise RuntimeError("ran out of data")


def trainer_images_per_sec(steps: int, augment: bool = False, precision: str = "fp32") -> float:
    marks = {}

    def on_event(event):
        if event.kind == "step" and event.step in (WARMUP, WARMUP + steps):
            marks[event.step] = time.perf_counter()

    config = make_config("fast", batch_size=BATCH, max_steps=WARMUP + steps, augment=augment,
                         eval_every=10 * steps, eval_subset=100, precision=precision)
    train(config, on_event)
    return steps * BATCH / (marks[WARMUP + steps] - marks[WARMUP])


def gemm_gflops(n: int = 2048, repeats: int = 20) -> float:
    """float32 matrix-multiply speed of this CPU with torch's threads, in GFLOP/s."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return repeats * 2 * n**3 / (time.perf_counter() - start) / 1e9


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    setup()
    runs = {
        "baseline": lambda: baseline_images_per_sec(args.steps),
        "trainer fp32": lambda: trainer_images_per_sec(args.steps),
        "trainer fp32+augment": lambda: trainer_images_per_sec(args.steps, augment=True),
        f"trainer auto ({precision_name(resolve_precision('auto', resolve_device()))})":
            lambda: trainer_images_per_sec(args.steps, precision="auto"),
        "GEMM GFLOP/s": gemm_gflops,
    }
    results = {name: [] for name in runs}
    for r in range(args.rounds):
        for name, run in runs.items():
            results[name].append(run())
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:,.0f}" for k, v in results.items()), flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    base, fp32, augmented, gemm = (med[k] for k in ("baseline", "trainer fp32", "trainer fp32+augment", "GEMM GFLOP/s"))
    auto = next(v for k, v in med.items() if k.startswith("trainer auto"))
    print(f"batch {BATCH}, {torch.get_num_threads()} threads, median over {args.rounds} rounds of {args.steps} steps:")
    for k, v in med.items():
        print(f"  {k:32s} {v:8,.0f}")
    bound = gemm / GFLOP_PER_IMAGE
    print(f"trainer fp32 / baseline: {fp32 / base:.2f}x; auto / baseline: {auto / base:.2f}x")
    print(f"GEMM bound {bound:,.0f} images/s ({gemm:,.0f} GFLOP/s / {GFLOP_PER_IMAGE} GFLOP): "
          f"trainer fp32 at {fp32 / bound:.0%} of it")
    print(f"augmentation cost: {1 - augmented / fp32:.1%} of the trainer's float32 images/s")


if __name__ == "__main__":
    main()
