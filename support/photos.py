"""Photos of handwritten digits, made from MNIST test digits: dark ink on light paper, lit
unevenly, a little blurred and noisy, saved as JPEG. For tests and the photo benchmark.

    CNN_DATA_DIR=../shared/data python -m support.photos [--n 500]
prints how many the bundled model reads right through cnn.photo, and through cnn.prepare
alone (no lighting correction), and how many photos of whole numbers (support.numbers) it reads
entirely right through cnn.photo and cnn.read_number; saves docs/photo_digit.jpg and photo_number.jpg.
"""
from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

import cnn
from cnn.photo import photo_to_ink, read_photo
from support.numbers import number_set


def photo_of(digit: np.ndarray, rng: np.random.Generator, size: tuple[int, int] = (480, 360)) -> bytes:
    """(h, w) ink in [0, 1], e.g. a (28, 28) MNIST digit or a number's canvas -> JPEG bytes of it written
    on lit paper, filling 45-80% of the photo's width or height, whichever it meets first."""
    width, height = size
    scale = min(width / digit.shape[1], height / digit.shape[0]) * rng.uniform(0.45, 0.8)
    h, w = int(digit.shape[0] * scale), int(digit.shape[1] * scale)
    ink = np.asarray(Image.fromarray((digit * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC),
                     np.float32) / 255
    page = np.zeros((height, width), np.float32)
    top, left = rng.integers(0, height - h + 1), rng.integers(0, width - w + 1)
    page[top : top + h, left : left + w] = ink
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
    numbers = number_set(test.images[:, 0].numpy(), test.labels.numpy(), args.n, touching=False, seed=0)
    number_photos = [photo_of(n.canvas[..., 0] / 255, rng, size=(640, 480)) for n in numbers]
    read = [cnn.read_number(photo_to_ink(read_photo(data)).ink, model).digits for data in number_photos]
    right = np.mean([r == n.digits for r, n in zip(read, numbers)])
    print(f"  {args.n} photos of numbers (2 to 6 test digits, apart), read entirely right: {right:.2%}")
    docs = Path(__file__).resolve().parents[1] / "docs"
    (docs / "photo_digit.jpg").write_bytes(photos[0])
    (docs / "photo_number.jpg").write_bytes(number_photos[0])
    print(f"saved {docs / 'photo_digit.jpg'} and {docs / 'photo_number.jpg'}")


if __name__ == "__main__":
    main()
