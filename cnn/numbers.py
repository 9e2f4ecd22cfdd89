"""Read a whole number written on one canvas: find its digits in the ink, then read each as a lone drawing.

The ink is split into strokes (connected components). Strokes that overlap horizontally make one digit (an 8 drawn
as two loops), a stroke too short to be a digit (a 5's or 7's bar) joins the digit beside it, specks are dropped. A
blob wider than it is tall may be touching digits: it is cut where its ink is thinnest, into parts about as tall as
the blob, and the model's confidence decides between the cuts and no cut, a blob as narrow as one digit comes
staying whole unless a cut is clearly better. Where another split would do nearly as well, its digits say so. Every
digit goes through `cnn.prepare` exactly as a drawing on the Draw page does, and the same model reads it. One look
at each part finds the two likeliest ways to cut a blob; those and the whole blob are then weighed, and each digit
read, by the mean of the model's probabilities over the slightly turned, moved and thickened copies that the "not
sure" check looks at anyway (cnn.doubt.steady_probs): the copies agree on what one look gets wrong, and a digit of
a number cannot be redrawn until it reads right the way a lone drawing can. On 1,000 numbers of MNIST test digits
(bench/bench_numbers.py) 95.3% with gaps and 44.2% with touching digits are read entirely right, against 93.6% and
40.2% from one look.

    from cnn.numbers import read_number
    reading = read_number(canvas_rgba)  # (H, W, 4) white on black, e.g. 280 x 700; the bundled model
    reading = read_number(canvas_rgba, model)  # a model of one's own, or the bundled one loaded once and reused
    reading.text, reading.boxes, reading.doubtful  # "4071", [(top, left, bottom, right), ...], [False, ...]
    reading.why                                    # [None, "the split here is a guess: ...", None, None]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .doubt import judge, steady_probs
from .model import Net
from .preprocess import ink_coverage, prepare

MAX_DIGITS = 8  # what the Number canvas is meant for; more are still read, and Reading.too_many says so
# Sizes are shares of the tallest stroke's height. A stroke whose longer side is under SPECK is dropped: a tap
# of the brush. A digit's own parts are bigger (a 5's bar is ~40% of its height); a thick brush's dot may
# survive, and is then read and most likely doubted.
SPECK = 0.15
SHORTEST = 0.5  # a stroke shorter than this is no digit alone (a 5's bar, a broken-off piece)
# A part cut from a blob spans at least this share of the blob's height: the digits of one number are about as
# tall as each other, and a shorter part is a piece of one digit (a 9's loop, a 4's arm). On 600 numbers of
# training digits of each kind, against SHORTEST: apart numbers read entirely right 94.7% -> 94.8%, touching
# 40.0% -> 40.3% (0.7: 95.0%, 40.2%; 0.75 loses touching ones).
CUT_TALL = 0.65
REACH = 0.25  # such a stroke joins the digit it overlaps most, or the nearest one up to this far away
OVERLAP = 0.5  # tall strokes sharing this much of the narrower one's column span are one digit (an 8's loops)
# Width / height above which one blob of ink may be touching digits. A drawn digit is 0.76 wide
# (median), 1.24 at the 95th percentile (flat 0s, 2s and 5s, slanted ones); a touching pair is 0.82 at the 5th
# percentile, 1.31 median. Measured on drawings of MNIST *training* digits (support.numbers); the model decides.
# (0.8 reads 1.3% more touching numbers right, but then cuts a filled square, which is no digit, into two.)
WIDE = 1.0
# Cut parts read confidently even where the blob is one wide digit (half a 2 looks like a 7), so a blob no wider
# than PLAUSIBLE x the widest of what it reads as whole (WIDEST) is cut only if the cut scores 1 / CUT_COST more.
# Tuned on 1,000 numbers of training digits of each kind: apart read entirely right 94.4% -> 95.4% (the split
# can do no better than 95.9% there), touching 42.2% -> 38.1%; a touching pair read as one is often that narrow.
# These and CLOSE were tuned weighing the ways of cutting from one look. Weighing them over the changed copies
# instead (the digits read over the copies both times), on 600 numbers of training digits of each kind, the same
# constants read apart numbers 94.5% -> 94.7% entirely right, touching ones 37.5% -> 40.0%.
PLAUSIBLE = 0.9
CUT_COST = 0.9
# The split is a guess where the next best way to split the blob is wrong (1 - score) under CLOSE times as often
# as the chosen one. Compared by the chance of being wrong, not by score: scores are mostly 0.99 or more, so
# their ratio says little. On training digits: flags 1% of the apart numbers read right, 19% of those read wrong
# (most are a digit misread, which cnn.assess flags); 24% and 46% of the touching ones.
CLOSE = 3.0
NARROWEST = 0.15  # the narrowest part a cut may leave, as a share of the blob's height (a 1 is ~0.15-0.4)
MAX_CUTS = 12  # the thinnest places tried in one blob
# How wide each digit, 0 to 9, comes in MNIST once its slant is undone (upright_aspect): the 99th percentile
# of width / height over the 60,000 training digits. A digit read wider than that is likely two read as one.
WIDEST = np.array([1.44, 0.70, 1.67, 1.16, 1.25, 1.35, 1.21, 1.29, 1.15, 1.06])


@dataclass(frozen=True)
class Reading:
    digits: list[int]  # left to right
    boxes: list[tuple[int, int, int, int]]  # (top, left, bottom, right) in canvas pixels, bottom and right exclusive
    probs: np.ndarray  # (n, 10) softmax probabilities, each digit's mean over its changed copies (steady_probs)
    images: np.ndarray  # (n, 28, 28) float32 in [0, 1]: each digit as the model saw it
    # per digit, why not to trust it, or None: wider than that digit comes (two in one?), the split is a guess,
    # or the "not sure" check (cnn.doubt) doubts it; a page shows it as "not sure: <why>"
    why: list[str | None]

    @property
    def doubtful(self) -> list[bool]:
        return [why is not None for why in self.why]

    @property
    def text(self) -> str:
        return "".join(map(str, self.digits))

    @property
    def too_many(self) -> bool:
        """More digits than the Number canvas is meant for: all are read, and the page should say so."""
        return len(self.digits) > MAX_DIGITS


def read_number(canvas: np.ndarray, model: Net | None = None) -> Reading:
    """Canvas (H, W, 4) RGBA, (H, W, 3) or (H, W) ink -> the digits written on it, left to right, read by
    `model` (None: the bundled one, loaded on every call; pass a model to reuse it).
    Raises EmptyDrawingError for a blank canvas."""
    ink = ink_coverage(canvas)  # (H, W) float32 in [0, 1]; a blank canvas raises before any model loads
    if model is None:
        from . import load_model  # here, not above: cnn/__init__ may import this module before defining it

        model = load_model()
    labels, _ = ndimage.label(ink > 0, structure=np.ones((3, 3)))  # (H, W) 8-connected: a diagonal stroke is one
    boxes = ndimage.find_objects(labels)  # a (rows, cols) pair of slices per stroke
    strokes = [_Stroke(i + 1, r.start, c.start, r.stop, c.stop) for i, (r, c) in enumerate(boxes)]
    tallest = max(s.height for s in strokes)
    strokes = [s for s in strokes if max(s.height, s.width) >= SPECK * tallest]
    parts = [part for group in _digit_groups(strokes, tallest) for part in _read_blob(model, ink, labels, group)]
    digits = [int(p.probs.argmax()) for p in parts]
    return Reading(digits, [p.box for p in parts], np.stack([p.probs for p in parts]),
                   np.stack([p.image for p in parts]), [_why(p, d) for p, d in zip(parts, digits)])


def _why(part: _Part, digit: int) -> str | None:
    if part.too_wide:
        return f"wider than a {digit} comes: it looks like two digits"
    if part.guess:
        return "the split here is a guess: the ink could be cut into digits another way"
    return judge(part.image, part.probs, digit).reason


@dataclass(frozen=True)
class _Stroke:
    label: int  # its number in the label image
    top: int
    left: int
    bottom: int  # exclusive, as is right
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left


@dataclass(frozen=True)
class _Part:
    box: tuple[int, int, int, int]  # (top, left, bottom, right) in canvas pixels
    image: np.ndarray  # (28, 28) model input
    probs: np.ndarray  # (10,)
    too_wide: bool  # wider than any but 1% of MNIST's digits of the kind it was read as
    guess: bool  # its blob could as well have been split another way


def _digit_groups(strokes: list[_Stroke], tallest: int) -> list[list[_Stroke]]:
    """The strokes that make each digit (or each blob of touching digits), left to right."""
    groups: list[list[_Stroke]] = []
    for s in sorted((s for s in strokes if s.height >= SHORTEST * tallest), key=lambda s: s.left):
        joined = [g for g in groups if any(_shared([s], [t]) >= OVERLAP * min(s.width, t.width) for t in g)]
        groups = [g for g in groups if g not in joined] + [[s, *(t for g in joined for t in g)]]
    for s in (s for s in strokes if s.height < SHORTEST * tallest):
        near = max(groups, key=lambda g: _shared([s], g))
        if _shared([s], near) > -REACH * tallest:
            near.append(s)
        else:
            groups.append([s])  # a short mark on its own: read, and most likely doubted
    return sorted(groups, key=lambda g: min(s.left for s in g))


def _shared(a: list[_Stroke], b: list[_Stroke]) -> int:
    """Columns the two sets of strokes share; negative: the gap between them."""
    return min(max(s.right for s in a), max(s.right for s in b)) - max(min(s.left for s in a), min(s.left for s in b))


def _read_blob(model: Net, ink: np.ndarray, labels: np.ndarray, strokes: list[_Stroke]) -> list[_Part]:
    """One blob of strokes -> its digits: whole, or cut into the parts the model is surest of."""
    top, left = min(s.top for s in strokes), min(s.left for s in strokes)
    bottom, right = max(s.bottom for s in strokes), max(s.right for s in strokes)
    own = np.isin(labels[top:bottom, left:right], [s.label for s in strokes])
    blob = np.where(own, ink[top:bottom, left:right], 0.0)  # (h, w): its ink only, not a neighbour's
    h, w = blob.shape
    bounds = [0, *(_cut_columns(blob) if w > WIDE * h else []), w]  # column boundaries of the candidate parts
    whole = (0, len(bounds) - 1)
    spans = [(i, j) for i in range(len(bounds)) for j in range(i + 1, len(bounds))
             if (i, j) == whole or _could_be_digit(blob[:, bounds[i] : bounds[j]], h)]
    # (S, 28, 28): each part on a black margin, as if it were a canvas of its own
    images = np.stack([prepare(np.pad(blob[:, bounds[i] : bounds[j]], 2)).image for i, j in spans])
    from . import classify  # here, not above: cnn/__init__ may import this module before it defines classify

    # span -> top probability from one look at each part, to find the likeliest cuts; an uncut blob has none to find
    tops = dict(zip(spans, classify(model, images).max(1).tolist())) if len(spans) > 1 else {}
    partitions = _partitions(tops, whole[1])  # the whole blob and the two likeliest ways to cut it
    looked = sorted({span for partition in partitions for span in partition})
    steady = dict(zip(looked, steady_probs(model, images[[spans.index(span) for span in looked]])))
    one_digit = upright_aspect(blob) <= PLAUSIBLE * WIDEST[steady[whole].argmax()]
    ranked = sorted(((_score(p, steady, one_digit), p) for p in partitions), reverse=True)
    (best, partition), others = ranked[0], ranked[1:]
    # a guess where the next best way to split is wrong hardly more often than this one
    guess = bool(others) and 1 - others[0][0] < CLOSE * (1 - best)
    parts = []
    for i, j in partition:
        part = blob[:, bounds[i] : bounds[j]]
        rows, cols = np.flatnonzero(part.max(1) > 0), np.flatnonzero(part.max(0) > 0)
        box = (top + rows[0], left + bounds[i] + cols[0], top + rows[-1] + 1, left + bounds[i] + cols[-1] + 1)
        too_wide = bool(upright_aspect(part) > WIDEST[steady[i, j].argmax()])
        parts.append(_Part(tuple(map(int, box)), images[spans.index((i, j))], steady[i, j], too_wide, guess))
    return parts


def upright_aspect(ink: np.ndarray) -> float:
    """Width / height of the ink (>= 0.5) of one (H, W) digit once its slant is undone: each row shifted by the
    shear that makes the ink's second moments upright, so a slanted 1 is as narrow as an upright one."""
    rows, cols = np.nonzero(ink >= 0.5)
    weights = ink[rows, cols]
    down, across = rows - np.average(rows, weights=weights), cols - np.average(cols, weights=weights)
    shear = np.average(down * across, weights=weights) / max(np.average(down**2, weights=weights), 1e-6)
    return float((np.ptp(cols - shear * down) + 1) / (np.ptp(rows) + 1))


def _cut_columns(blob: np.ndarray) -> list[int]:
    """Where touching digits are likely joined: columns with the least ink within half a narrow digit's width
    either side (the middle of a run of equal ones), at most MAX_CUTS of them, the thinnest."""
    h, w = blob.shape
    ink = ndimage.uniform_filter1d(blob.sum(0), size=3)  # (w,) ink per column, smoothed over a pixel's jitter
    lowest = ink <= ndimage.minimum_filter1d(ink, size=2 * max(1, round(NARROWEST * h / 2)) + 1) + 1e-6
    runs, n = ndimage.label(lowest)
    middles = [int(np.flatnonzero(runs == k).mean()) for k in range(1, n + 1)]
    inside = [c for c in middles if NARROWEST * h <= c <= w - NARROWEST * h]
    return sorted(sorted(inside, key=lambda c: ink[c])[:MAX_CUTS])


def _could_be_digit(part: np.ndarray, h: int) -> bool:
    """A part of a cut blob may be a digit if its ink spans CUT_TALL of the blob's height and a 1's width."""
    rows, cols = np.flatnonzero(part.max(1) >= 0.5), np.flatnonzero(part.max(0) >= 0.5)
    return rows.size > 0 and rows[-1] - rows[0] + 1 >= CUT_TALL * h and cols[-1] - cols[0] + 1 >= NARROWEST * h


def _partitions(spans: dict[tuple[int, int], float], last: int) -> list[list[tuple[int, int]]]:
    """The whole (0, last) and the two cuts into parts (spans (i, j), left to right) with the highest products of
    top probabilities: all the ranking needs, found without trying each of up to 2^MAX_CUTS ways."""
    best: dict[int, list[tuple[float, list]]] = {last: [(1.0, [])]}  # boundary -> 2 best (score, spans) to the end
    for i in range(last - 1, -1, -1):
        ways = [(top * score, [(a, j), *rest]) for (a, j), top in spans.items() if a == i and (a, j) != (0, last)
                for score, rest in best.get(j, [])]
        best[i] = sorted(ways, key=lambda way: way[0], reverse=True)[:2]
    return [[(0, last)], *(rest for _, rest in best[0])]


def _score(partition: list[tuple[int, int]], probs: dict, one_digit: bool) -> float:
    """How likely the partition reads right: the product of its parts' top probabilities, as a reading is right
    only if every part is (cutting a wide 0 in two must beat the whole 0 with both halves at once); a cut of a
    blob that is as narrow as one digit comes pays CUT_COST."""
    score = float(np.prod([probs[span].max() for span in partition]))
    return score * CUT_COST if one_digit and len(partition) > 1 else score
