"""How long the Evaluate page takes for a model it has not seen: all 10,000 test images.

The first evaluation in a fresh process includes reading the test set (and importing
torchvision to read it); later models only run the network. The baseline, measured in the
same run, is the trainer's own accuracy loop as the README's figure measured it
(cnn.train.evaluate: float32, NCHW weights, batches of 1,000; the trainer now takes 250).

    CNN_DATA_DIR=../shared/data python -m bench.bench_evaluate [--rounds 3]
"""
import argparse
import copy
import time

import numpy as np

import cnn
from bench.common import setup
from cnn.evaluate import evaluate_model
from cnn.train import evaluate


def seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    setup()
    model = cnn.load_model()
    first = seconds(lambda: evaluate_model(copy.deepcopy(model), cnn.load_split(False, download=False)))
    test = cnn.load_split(False, download=False)
    ours, baseline = [], []
    for _ in range(args.rounds):  # interleaved, so both see the same machine
        ours.append(seconds(lambda: evaluate_model(copy.deepcopy(model), test)))
        baseline.append(seconds(lambda: evaluate(copy.deepcopy(model), test, batch_size=1000)))
    print(f"first model in a fresh process, test set read included: {first:.2f} s")
    print(f"a new model, {len(test):,} test images: median {np.median(ours):.2f} s "
          f"(baseline cnn.train.evaluate {np.median(baseline):.2f} s: {np.median(baseline) / np.median(ours):.2f}x)")


if __name__ == "__main__":
    main()
