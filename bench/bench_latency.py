"""Latency of what the Draw page does per stroke, on a 280x280 canvas, plus the model's load time.

canvas_to_mnist alone, with classify (the answer only), and with analyze (the answer and every
layer's activations from one forward pass, as Draw does), on drawn-looking digits (support/drawn_digits.py).

    CNN_DATA_DIR=../shared/data python -m bench.bench_latency [--n 300]
"""
import argparse
import time

import numpy as np

import cnn
from bench.common import percentiles, setup
from support.drawn_digits import drawn_set


def timed_ms(fn, inputs) -> list[float]:
    samples = []
    for x in inputs:
        t0 = time.perf_counter()
        fn(x)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=300)
    args = p.parse_args()
    setup()
    loads = timed_ms(lambda _: cnn.load_model(), range(5))
    print(f"load_model() (bundled, {cnn.BUNDLED_MODEL.stat().st_size / 1e6:.1f} MB): {percentiles(loads)}")
    model = cnn.load_model()
    test = cnn.load_split(train=False, download=False)
    canvases, _ = drawn_set(test.images[: args.n, 0].numpy(), seed=0)
    for c in canvases[:10]:  # warm-up: first calls allocate
        cnn.analyze(model, cnn.canvas_to_mnist(c))

    answer_only = timed_ms(lambda c: cnn.classify(model, cnn.canvas_to_mnist(c)), canvases)
    print(f"canvas_to_mnist alone:                          {percentiles(timed_ms(cnn.canvas_to_mnist, canvases))}")
    print(f"canvas_to_mnist + classify (the answer only):   {percentiles(answer_only)}")
    one_pass = timed_ms(lambda c: cnn.analyze(model, cnn.canvas_to_mnist(c)), canvases)
    print(f"canvas_to_mnist + analyze (one forward pass):   {percentiles(one_pass)}")
    assert np.isfinite(one_pass).all()


if __name__ == "__main__":
    main()
