"""Photos of handwritten digits, made from MNIST test digits: dark ink on light paper, lit
unevenly, a little blurred and noisy, saved as JPEG. For tests and the photo benchmark.

    CNN_DATA_DIR=../shared/data python -m support.photos [--n 500]
prints how many the bundled model reads right through cnn.photo, and through cnn.prepare
alone (no lighting correction), and saves docs/photo_digit.jpg.
"""
from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

import cnn
from cnn.photo import photo_to_ink, read_photo


def photo_of(digit: np.ndarray, rng: np.random.Generator, size: tuple[int, int] = (480, 360)) -> bytes:
    """(28, 28) MNIST digit in [0, 1] -> JPEG bytes of it written on lit paper."""
    width, height = size
    side = int(min(width, height) * rng.uniform(0.45, 0.8))
    ink = np.asarray(Image.fromarray((digit * 255).astype(np.uint8)).resize((side, side), Image.Resampling.BICUBIC),
                     np.float32) / 255
    page = np.zeros((height, width), np.float32)
    top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
    page[top : top + side, left : left + side] = ink
    rows, cols = np.mgrid[0:height, 0:width] / max(width, height)
    angle = rng.uniform(0, 2 * np.pi)  # light falling off in one direction, with a soft shadow
    light = 1 - rng.uniform(0.4, 0.6) * (np.cos(angle) * cols + np.sin(angle) * rows - 0.1).clip(0, 1)
    paper = rng.uniform(0.75, 0.95) * light
    grey = paper * (1 - 0.8 * page) + rng.normal(0, 0.02, page.shape)
    picture = Image.fromarray((grey.clip(0, 1) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def read_right(model, photos: list[bytes], labels: np.ndarray, lighting: bool) -> float:
    """The share read right, through cnn.photo's ink (lighting=True) or the greyscale as it is."""
    images = []
    for data in photos:
        grey = read_photo(data)
        images.append(cnn.canvas_to_mnist(photo_to_ink(grey).ink if lighting else grey))
    return float((cnn.classify(model, np.stack(images)).argmax(1) == labels).mean())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=500)
    args = p.parse_args()
    test = cnn.load_split(train=False, download=False)
    rng = np.random.default_rng(0)
    photos = [photo_of(d, rng) for d in test.images[: args.n, 0].numpy()]
    labels = test.labels[: args.n].numpy()
    model = cnn.load_model()
    print(f"{args.n} photos of MNIST test digits on unevenly lit paper, the bundled model:")
    print(f"  through cnn.photo (adaptive threshold): {read_right(model, photos, labels, True):.2%}")
    print(f"  greyscale straight into cnn.prepare:    {read_right(model, photos, labels, False):.2%}")
    out = Path(__file__).resolve().parents[1] / "docs" / "photo_digit.jpg"
    out.write_bytes(photos[0])
    print(f"saved {out}")


if __name__ == "__main__":
    main()
