"""Drawn-looking digits: MNIST test digits redrawn the way people draw on the app's canvas.

No set of real canvas drawings ships with this project, so this builds one. Each MNIST *test*
digit (never seen in training) is reduced to its centre line (skeletonised at 8x
resolution), then redrawn on a 280x280 black canvas with a round white brush, as the canvas
component draws a stroke: at a random height (30-90% of the canvas), position, slant (shear
+-0.3), tilt (+-10 degrees) and brush width (8-32 px). The result has a canvas drawing's
uniform stroke width, hard edges and arbitrary size and place; it then goes through
cnn.canvas_to_mnist like any drawing.

    CNN_DATA_DIR=../shared/data python -m support.drawn_digits [--model PATH] [--n 2000] [--grid drawn.png]
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.morphology import skeletonize

import cnn

CANVAS = 280
UPSCALE = 8


@dataclass(frozen=True)
class DrawStyle:
    height: float  # digit height as a fraction of the canvas
    slant: float  # horizontal shear factor
    tilt_deg: float
    brush: float  # brush width in canvas pixels
    centre: tuple[float, float]  # (row, col) of the digit's box centre, canvas pixels


def random_style(rng: np.random.Generator) -> DrawStyle:
    height = rng.uniform(0.3, 0.9)
    margin = min(height * CANVAS * 0.55 + 16, CANVAS / 2)
    centre = (rng.uniform(margin, CANVAS - margin), rng.uniform(margin * 0.8, CANVAS - margin * 0.8))
    return DrawStyle(height, rng.uniform(-0.3, 0.3), rng.uniform(-10, 10), rng.uniform(8, 32), centre)


def centre_line(digit: np.ndarray) -> np.ndarray:
    """(28, 28) MNIST digit -> (K, 2) points (row, col) along its strokes, at 8x resolution."""
    big = np.asarray(Image.fromarray(digit.astype(np.float32), mode="F").resize((28 * UPSCALE,) * 2, Image.BILINEAR))
    return np.argwhere(skeletonize(big > 0.5)).astype(np.float64)


def draw(points: np.ndarray, style: DrawStyle) -> np.ndarray:
    """Redraw centre-line points with a round brush -> (280, 280, 4) RGBA uint8, white on black."""
    pts = points - (points.min(0) + points.max(0)) / 2  # box centre at the origin
    pts *= style.height * CANVAS / max(np.ptp(points[:, 0]), 1.0)
    pts[:, 1] -= style.slant * pts[:, 0]  # rows grow downward: a positive slant leans right
    a = np.deg2rad(style.tilt_deg)
    pts = pts @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]).T + style.centre
    marks = np.zeros((CANVAS, CANVAS), bool)
    rc = np.clip(np.round(pts).astype(int), 0, CANVAS - 1)
    marks[rc[:, 0], rc[:, 1]] = True
    distance = ndimage.distance_transform_edt(~marks)
    ink = np.clip(style.brush / 2 + 0.5 - distance, 0, 1)  # one pixel of anti-aliased edge
    grey = (ink * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def drawn_set(images: np.ndarray, seed: int = 0) -> tuple[list[np.ndarray], list[DrawStyle]]:
    """Canvas drawings (280, 280, 4) of each (28, 28) digit, with the style each was drawn in."""
    rng = np.random.default_rng(seed)
    styles = [random_style(rng) for _ in images]
    return [draw(centre_line(d), s) for d, s in zip(images, styles)], styles


def scribble(rng: np.random.Generator) -> np.ndarray:
    """A scribble that is no digit: one stroke through 5-14 random points -> (280, 280, 4) RGBA."""
    corners = rng.uniform(40, CANVAS - 40, size=(rng.integers(5, 15), 2))
    points = np.concatenate([np.linspace(a, b, 60) for a, b in zip(corners[:-1], corners[1:])])
    return draw(points, DrawStyle(0.7, 0.0, 0.0, rng.uniform(8, 32), (CANVAS / 2, CANVAS / 2)))


def scribbles(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [scribble(rng) for _ in range(n)]


def doubted(model, canvases) -> np.ndarray:
    """Whether the app would say "not sure" about each drawing (cnn.doubt_about)."""
    return np.array([cnn.doubt_about(model, cnn.canvas_to_mnist(c)) is not None for c in canvases])


def evaluate(model, canvases, labels) -> np.ndarray:
    """Whether each drawing is classified right, through the app's own preprocessing."""
    inputs = np.stack([cnn.canvas_to_mnist(c) for c in canvases])
    return cnn.classify(model, inputs).argmax(1) == np.asarray(labels)


def save_grid(canvases, path: Path, columns: int = 10) -> None:
    thumbs = [Image.fromarray(c[..., :3]).resize((84, 84), Image.BILINEAR) for c in canvases[: columns * 3]]
    grid = Image.new("RGB", (columns * 86, 3 * 86), (60, 60, 60))
    for i, t in enumerate(thumbs):
        grid.paste(t, ((i % columns) * 86 + 1, (i // columns) * 86 + 1))
    grid.save(path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", help="checkpoint (default: the bundled model)")
    p.add_argument("--n", type=int, default=2000, help="how many MNIST test digits to redraw")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--grid", type=Path, help="save a picture of the first 30 drawings here")
    args = p.parse_args()

    test = cnn.load_split(train=False, download=False)
    pick = np.random.default_rng(args.seed).choice(len(test), args.n, replace=False)
    digits, labels = test.images[pick, 0].numpy(), test.labels[pick].numpy()
    canvases, styles = drawn_set(digits, args.seed)
    right = evaluate(cnn.load_model(args.model), canvases, labels)
    if args.grid:
        save_grid(canvases, args.grid)
    print(f"drawn-looking digits: {right.mean():.4f} right ({right.sum()} of {len(right)})")
    brush_ratio = np.array([s.brush / (s.height * CANVAS) for s in styles])
    for lo, hi in [(0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 1.2)]:
        sel = (brush_ratio >= lo) & (brush_ratio < hi)
        if sel.any():
            print(f"  brush width / digit height {lo:.1f}-{hi:.1f}: {right[sel].mean():.4f} ({sel.sum()} drawings)")
    print("  per digit:", " ".join(f"{d}:{right[labels == d].mean():.3f}" for d in range(10)))
    model = cnn.load_model(args.model)
    print(f"'not sure': {doubted(model, canvases).mean():.1%} of these drawings, "
          f"{doubted(model, scribbles(args.n // 4, args.seed)).mean():.1%} of {args.n // 4} random scribbles")


if __name__ == "__main__":
    main()
