"""How well whole numbers are read (cnn.numbers.read_number): the bundled model on numbers of 2 to 6
MNIST test digits composed on one 280 x 700 canvas by support.numbers, apart and touching, and apart
with MNIST's own digits enlarged rather than redrawn with the canvas's brush (a second source).

For each kind: the share of numbers read entirely right, of numbers with the right count of digits,
and of digits right, counted two ways: strictly (a number read with the wrong count has all its digits
wrong; with the right count, digits are compared position by position) and aligned (the digits of the
longest common subsequence of truth and reading are right: two digits read as one cost at most two).
Beside them, each digit read alone from its own ink: what perfect splitting would give, the ceiling.
Also how often "not sure" marks a number read wrong and one read right, the share right by length, and
the time per number, with reading one lone 280 x 280 drawing the Draw page's way (prepare, classify,
assess) timed in the same run as the baseline.

    CNN_DATA_DIR=../shared/data python -m bench.bench_numbers [--n 300] [--seed 0]
"""
import argparse
import time

import numpy as np

import cnn
from bench.common import bundled_model_and_test_set, percentiles
from cnn.doubt import steady_probs
from cnn.numbers import Reading, read_number
from support.drawn_digits import drawn_set
from support.numbers import number_set


def common_subsequence(a: list[int], b: list[int]) -> int:
    """Length of the longest common subsequence of a and b (dynamic programming, O(len(a) * len(b)))."""
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], diagonal + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def timed_readings(model, canvases) -> tuple[list[Reading], list[float]]:
    readings, ms = [], []
    for canvas in canvases:
        t0 = time.perf_counter()
        readings.append(read_number(canvas, model))
        ms.append((time.perf_counter() - t0) * 1000)
    return readings, ms


def lone_drawing_ms(model, images: np.ndarray) -> list[float]:
    """Milliseconds to read each lone 280 x 280 drawing of `images` as the Draw page does."""
    ms = []
    for canvas in drawn_set(images, seed=1)[0]:
        t0 = time.perf_counter()
        image = cnn.prepare(canvas).image
        cnn.assess(model, image, int(cnn.classify(model, image).argmax()))
        ms.append((time.perf_counter() - t0) * 1000)
    return ms


def read_alone(model, numbers) -> list[list[int]]:
    """Each number's digits read one by one from each digit's own ink: what perfect splitting would give."""
    return [steady_probs(model, np.stack([cnn.canvas_to_mnist(ink) for ink in n.alone])).argmax(1).tolist()
            for n in numbers]


def report(kind: str, numbers, readings: list[Reading], ms: list[float], lone_ms: float, alone: list[list[int]]):
    truths, reads = [n.digits for n in numbers], [r.digits for r in readings]
    entirely = np.array([t == r for t, r in zip(truths, reads)])
    count = np.array([len(t) == len(r) for t, r in zip(truths, reads)])
    digits = sum(len(t) for t in truths)
    strict = sum(sum(a == b for a, b in zip(t, r)) for t, r in zip(truths, reads) if len(t) == len(r)) / digits
    aligned = sum(common_subsequence(t, r) for t, r in zip(truths, reads)) / digits
    alone_right = np.array([t == a for truth, read in zip(truths, alone) for t, a in zip(truth, read)])
    doubted = np.array([any(r.doubtful) for r in readings])
    print(f"\n{kind}: {len(numbers)} numbers, {digits} digits")
    print(f"  entirely right   {entirely.mean():.1%}  ({entirely.sum()} of {len(numbers)})")
    print(f"  right count      {count.mean():.1%}")
    print(f"  digits right     {strict:.1%} strict, {aligned:.1%} aligned")
    print(f"  digits read alone (perfect splitting) {alone_right.mean():.1%} right; numbers "
          f"{np.mean([t == a for t, a in zip(truths, alone)]):.1%} entirely right")
    print(f"  'not sure' on    {doubted[~entirely].mean() if (~entirely).any() else 0:.1%} of numbers read wrong, "
          f"{doubted[entirely].mean():.1%} of numbers read right")
    lengths = np.array([len(t) for t in truths])
    print("  entirely right by length: " + ", ".join(f"{k}: {entirely[lengths == k].mean():.0%}"
                                                     for k in range(2, 7) if (lengths == k).any()))
    per_digit = np.sum(ms) / digits
    print(f"  time per number  {percentiles(ms)}; {per_digit:.1f} ms a digit = {per_digit / lone_ms:.2f}x "
          f"a lone drawing's {lone_ms:.1f} ms")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=300, help="numbers of each kind")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    model, test = bundled_model_and_test_set()
    images, labels = test.images[:, 0].numpy(), test.labels.numpy()
    lone_ms = float(np.median(lone_drawing_ms(model, images[:100])))
    for kind, touching, redrawn in [("apart (clear gaps)", False, True),
                                    ("touching (at least one touching pair)", True, True),
                                    ("apart, MNIST's own digits enlarged (not redrawn)", False, False)]:
        numbers = number_set(images, labels, args.n, touching, seed=args.seed + touching, redrawn=redrawn)
        report(kind, numbers, *timed_readings(model, [n.canvas for n in numbers]), lone_ms, read_alone(model, numbers))


if __name__ == "__main__":
    main()
