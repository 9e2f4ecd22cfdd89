"""Numbers written on one wide canvas, composed of MNIST test digits redrawn as the canvas draws them.

Each number is 2 to 6 MNIST digits (the tests and bench/bench_numbers.py use *test* digits; cnn.numbers
was tuned on *training* digits), redrawn by support.drawn_digits (centre line, round brush) the way one
person writes one number: a common height (45-70% of the canvas) with a little
size jitter (+-12%), a common slant (+-0.25) with a little jitter, a small tilt (+-5 degrees), one
brush (7-16% of the height), placed left to right on a 280 x 700 black canvas (the Number mode's
size), shrunk to fit. Neighbours are either apart (a clear gap of 5-35% of the height between their
ink boxes) or touching: the next digit is slid left until its ink meets the previous one's and goes on
by up to a third of the brush (in the row where they meet first), so the pair is one blob of ink.

    from support.numbers import number_set
    numbers = number_set(test.images[:, 0].numpy(), test.labels.numpy(), n=30, touching=False, seed=0)
    numbers[0].canvas, numbers[0].digits   # (280, 700, 4) uint8 RGBA, [4, 0, 7, 1]
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from support.drawn_digits import CANVAS, DrawStyle, centre_line, draw

HEIGHT, WIDTH = 280, 700  # the Number mode's canvas
MARGIN = 12  # px kept free around the number


@dataclass(frozen=True)
class Number:
    canvas: np.ndarray  # (HEIGHT, WIDTH, 4) uint8 RGBA, white strokes on opaque black
    digits: list[int]  # the true digits, left to right
    touching: list[bool]  # per neighbouring pair, left to right: does their ink touch
    alone: list[np.ndarray]  # each digit's own ink, (h, w) float32 in [0, 1]: what reading it alone would see


@dataclass(frozen=True)
class _Hand:
    """How one person writes one number: everything but the digits' shapes."""

    height: float  # digit height in canvas pixels
    sizes: np.ndarray  # (n,) each digit's height as a share of `height`
    slants: np.ndarray  # (n,) horizontal shear
    tilts: np.ndarray  # (n,) degrees
    brush: float  # as a share of `height`
    gaps: np.ndarray  # (n - 1,) clear gaps as a share of `height`; NaN: the pair touches
    touch_depths: np.ndarray  # (n - 1,) how far a touching pair's inks overlap, as a share of the brush
    drops: np.ndarray  # (n,) each digit's vertical offset as a share of `height`


def number_set(images: np.ndarray, labels: np.ndarray, n: int, touching: bool, seed: int = 0,
               redrawn: bool = True) -> list[Number]:
    """`n` numbers from (N, 28, 28) digits and their (N,) labels. touching=True: each has at least one
    touching pair (every pair touches with even odds); False: every pair has a clear gap. redrawn=False:
    the MNIST digits themselves, enlarged, not redrawn with the canvas's brush (a second, independent source)."""
    rng = np.random.default_rng(seed)
    return [compose(images, labels, rng, touching, redrawn) for _ in range(n)]


def compose(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, touching: bool,
            redrawn: bool = True) -> Number:
    """One number of 2 to 6 digits picked at random from `images` (N, 28, 28) with their `labels` (N,)."""
    count = int(rng.integers(2, 7))
    pick = rng.choice(len(images), count, replace=False)
    lines = [centre_line(images[i]) if redrawn else images[i] for i in pick]
    hand = _random_hand(rng, count, touching)
    while True:  # shrink until it fits: widths, gaps and the brush scale with the height
        inks = [(_drawn if redrawn else _enlarged)(line, hand, i) for i, line in enumerate(lines)]
        tops = [_top(ink, hand, i) for i, ink in enumerate(inks)]
        lefts = _lefts(inks, tops, hand)
        width = max(left + ink.shape[1] for left, ink in zip(lefts, inks))
        if width <= WIDTH - 2 * MARGIN:
            break
        hand = replace(hand, height=hand.height * (WIDTH - 2 * MARGIN) / width * 0.98)
    canvas = np.zeros((HEIGHT, WIDTH), np.float32)
    start = int(rng.uniform(MARGIN, max(MARGIN, WIDTH - MARGIN - width)))
    for ink, top, left in zip(inks, tops, lefts):
        window = canvas[top : top + ink.shape[0], start + left : start + left + ink.shape[1]]
        np.maximum(window, ink, out=window)  # strokes over strokes stay white
    grey = (canvas * 255).astype(np.uint8)
    return Number(np.dstack([grey, grey, grey, np.full_like(grey, 255)]), [int(labels[i]) for i in pick],
                  [bool(t) for t in np.isnan(hand.gaps)], inks)


def _random_hand(rng: np.random.Generator, count: int, touching: bool) -> _Hand:
    touches = rng.random(count - 1) < 0.5 if touching else np.zeros(count - 1, bool)
    if touching and not touches.any():
        touches[rng.integers(count - 1)] = True
    gaps = np.where(touches, np.nan, rng.uniform(0.05, 0.35, count - 1))
    return _Hand(height=rng.uniform(0.45, 0.7) * HEIGHT, sizes=rng.uniform(0.88, 1.12, count),
                 slants=rng.uniform(-0.25, 0.25) + rng.uniform(-0.05, 0.05, count),
                 tilts=rng.uniform(-5, 5, count), brush=rng.uniform(0.07, 0.16),
                 gaps=gaps, touch_depths=rng.uniform(0, 1 / 3, count - 1), drops=rng.uniform(-0.04, 0.04, count))


def _drawn(line: np.ndarray, hand: _Hand, i: int) -> np.ndarray:
    """One digit drawn in this hand -> its ink (h, w) float32 in [0, 1], cropped to the ink."""
    style = DrawStyle(hand.height * hand.sizes[i] / CANVAS, hand.slants[i], hand.tilts[i],
                      max(3.0, hand.brush * hand.height), (CANVAS / 2, CANVAS / 2))
    ink = draw(line, style)[..., 0].astype(np.float32) / 255  # (280, 280)
    rows, cols = np.flatnonzero(ink.max(1) > 0), np.flatnonzero(ink.max(0) > 0)
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _enlarged(digit: np.ndarray, hand: _Hand, i: int) -> np.ndarray:
    """One (28, 28) MNIST digit as it is, cropped to its ink and enlarged to this hand's height (its own
    slant and stroke kept: the hand's slant, tilt and brush do not apply) -> (h, w) float32 in [0, 1]."""
    rows, cols = np.flatnonzero(digit.max(1) > 0), np.flatnonzero(digit.max(0) > 0)
    ink = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height = max(1, round(hand.height * hand.sizes[i]))
    width = max(1, round(ink.shape[1] * height / ink.shape[0]))
    big = Image.fromarray((ink * 255).astype(np.uint8)).resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(big, np.float32) / 255


def _top(ink: np.ndarray, hand: _Hand, i: int) -> int:
    """The digit's top row on the canvas: centred, then dropped a little."""
    top = int(round((HEIGHT - ink.shape[0]) / 2 + hand.drops[i] * hand.height))
    return min(max(top, 0), HEIGHT - ink.shape[0])


def _lefts(inks: list[np.ndarray], tops: list[int], hand: _Hand) -> list[int]:
    """Each digit's left column, the leftmost at 0: after a clear gap, or slid into the previous digit's ink."""
    lefts = [0]
    for i in range(1, len(inks)):
        gap = hand.gaps[i - 1]
        if np.isnan(gap):
            depth = hand.touch_depths[i - 1] * hand.brush * hand.height
            lefts.append(lefts[-1] + _touching_offset(inks[i - 1], tops[i - 1], inks[i], tops[i], int(depth)))
        else:
            lefts.append(lefts[-1] + inks[i - 1].shape[1] + int(round(gap * hand.height)))
    return [left - min(lefts) for left in lefts]  # a narrow digit may have slid in past its neighbour's left edge


def _touching_offset(before: np.ndarray, before_top: int, after: np.ndarray, after_top: int, depth: int) -> int:
    """How far right of `before`'s left edge `after` goes so that their inks (>= 0.5) meet, overlapping by
    `depth` columns in the canvas row where they meet first. Tops are canvas rows."""
    first, last = max(before_top, after_top), min(before_top + len(before), after_top + len(after))
    b = before[first - before_top : last - before_top] >= 0.5  # (rows, wb): the canvas rows both digits span
    a = after[first - after_top : last - after_top] >= 0.5  # (rows, wa)
    both = b.any(1) & a.any(1)
    right_edge = b.shape[1] - 1 - np.argmax(b[:, ::-1], axis=1)  # (rows,) last ink column of `before`
    left_edge = np.argmax(a, axis=1)  # (rows,) first ink column of `after`
    return int((right_edge - left_edge)[both].max()) - depth
