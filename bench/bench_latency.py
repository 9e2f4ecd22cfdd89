"""Latency of what the Draw page does per stroke, on a 280x280 canvas, plus the model's load time.

canvas_to_mnist + classify + feature_maps as three calls, and canvas_to_mnist + analyze (the
same results from one forward pass), on drawn-looking digits (bench/drawn_digits.py).

    CNN_DATA_DIR=../shared/data python bench/bench_latency.py [--n 300]
"""
import argparse
import time

from common import percentiles, setup

import numpy as np

import cnn
from drawn_digits import drawn_set


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

    def three_calls(canvas):
        image = cnn.canvas_to_mnist(canvas)
        cnn.classify(model, image)
        cnn.feature_maps(model, image)

    print(f"canvas_to_mnist alone:                          {percentiles(timed_ms(cnn.canvas_to_mnist, canvases))}")
    print(f"canvas_to_mnist + classify + feature_maps:      {percentiles(timed_ms(three_calls, canvases))}")
    one_pass = timed_ms(lambda c: cnn.analyze(model, cnn.canvas_to_mnist(c)), canvases)
    print(f"canvas_to_mnist + analyze (one forward pass):   {percentiles(one_pass)}")
    assert np.isfinite(one_pass).all()


if __name__ == "__main__":
    main()
