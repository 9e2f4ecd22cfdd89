"""Turn a drawing into a 28x28 digit prepared the way MNIST's digits were.

MNIST's recipe (LeCun et al.): each digit was size-normalised to fit a 20x20 box keeping its
aspect ratio, anti-aliased, then centred by centre of mass in a 28x28 field. A whole canvas
resized to 28x28 looks nothing like that, and the model gets most such drawings wrong.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .errors import EmptyDrawingError

FIELD = 28  # output side
BOX = 20  # the digit's longer side after size normalisation
# Where MNIST's centres of mass sit, in (row, col) pixel-index coordinates: the mean over
# the 60,000 training digits is (14.0, 14.0) to within 0.1 px (measured in tests).
CENTRE = 14.0
MIN_INK = 0.1  # a canvas whose strongest mark differs from the background by less is blank
NOISE = 0.05  # after scaling the strongest mark to 1, fainter specks do not count as ink


@dataclass(frozen=True)
class Prepared:
    """Every step from canvas to model input, so the app can show them side by side."""

    ink: np.ndarray  # (H, W) float32 in [0, 1], the canvas as ink coverage
    crop: np.ndarray  # the ink's bounding box cut out of `ink`
    box: np.ndarray  # `crop` scaled so its longer side is 20 px, anti-aliased
    image: np.ndarray  # (28, 28) float32 in [0, 1]: `box` centred by centre of mass


def canvas_to_mnist(image: np.ndarray) -> np.ndarray:
    """Canvas image (H, W), (H, W, 3) or (H, W, 4), any size -> (28, 28) float32 in [0, 1].

    For callers that want only the model's input (scripts, benchmarks, the photo reader's users);
    a page that shows how the drawing was prepared calls `prepare` for every step."""
    return prepare(image).image


def prepare(image: np.ndarray) -> Prepared:
    """Every step from a canvas image to the model's input. Raises EmptyDrawingError for a blank canvas."""
    ink = ink_coverage(image)
    crop = crop_to_ink(ink)
    box = fit_box(crop)
    return Prepared(ink, crop, box, centre_by_mass(box))


def ink_coverage(image: np.ndarray) -> np.ndarray:
    """How much ink covers each pixel, 0 to 1, whatever the colour convention.

    Strokes may be opaque on a transparent background (ink = alpha), or light on dark or dark
    on light (ink = distance from the background's brightness, the background being the
    median of the image's border). The strongest mark is scaled to 1, as in MNIST.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)) or min(image.shape[:2]) < 2:
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
    pixels = _to_unit(image)
    if pixels.ndim == 3 and pixels.shape[2] == 4 and _has_transparency(pixels[..., 3]):
        ink = pixels[..., 3]
    else:
        grey = pixels if pixels.ndim == 2 else pixels[..., :3] @ np.float32([0.299, 0.587, 0.114])
        ink = np.abs(grey - np.median(_border(grey)))
    strongest = float(ink.max())
    if strongest < MIN_INK:
        raise EmptyDrawingError("The drawing is empty: draw a digit first.")
    ink = ink / strongest
    ink[ink < NOISE] = 0.0
    return ink.astype(np.float32)


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fit_box(crop: np.ndarray) -> np.ndarray:
    """Scale so the longer side is BOX px, keeping the aspect ratio; Pillow's resampling
    widens its filter when shrinking, which is the anti-aliasing MNIST's digits had."""
    h, w = crop.shape
    scale = BOX / max(h, w)
    return resize(crop, max(1, round(h * scale)), max(1, round(w * scale)))


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) in [0, 1] -> (height, width), bilinear, clipped to [0, 1]."""
    picture = Image.fromarray(np.asarray(image, np.float32), mode="F")
    resized = picture.resize((width, height), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized), 0.0, 1.0)


def centre_by_mass(box: np.ndarray) -> np.ndarray:
    """Move `box` into a 28x28 field so its centre of mass lands on MNIST's centre.

    The shift is sub-pixel, so the output changes smoothly with the drawing (a whole-pixel
    shift jumps when the centre of mass crosses a half pixel): each pixel's ink is shared
    among the four pixels it lands between, which keeps the total ink and its centre exact.
    """
    rows, cols = np.indices(box.shape)
    mass = box.sum()
    top = CENTRE - (rows * box).sum() / mass
    left = CENTRE - (cols * box).sum() / mass
    r0, c0 = int(np.floor(top)), int(np.floor(left))
    fy, fx = top - r0, left - c0
    h, w = box.shape
    spread = np.zeros((h + 1, w + 1), np.float32)  # (h+1, w+1): the fraction spills one pixel
    spread[:h, :w] += (1 - fy) * (1 - fx) * box
    spread[1:, :w] += fy * (1 - fx) * box
    spread[:h, 1:] += (1 - fy) * fx * box
    spread[1:, 1:] += fy * fx * box
    return np.clip(paste(spread, r0, c0), 0.0, 1.0)


def paste(patch: np.ndarray, top: int, left: int) -> np.ndarray:
    """`patch` placed at (top, left) in an empty 28x28 field, cut off where it overhangs."""
    field = np.zeros((FIELD, FIELD), np.float32)
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + patch.shape[0], FIELD), min(left + patch.shape[1], FIELD)
    if r1 > r0 and c1 > c0:
        field[r0:r1, c0:c1] = patch[r0 - top : r1 - top, c0 - left : c1 - left]
    return field


def _to_unit(image: np.ndarray) -> np.ndarray:
    if np.issubdtype(image.dtype, np.integer):
        return image.astype(np.float32) / 255.0
    return np.clip(image.astype(np.float32), 0.0, 1.0)


def _has_transparency(alpha: np.ndarray) -> bool:
    return bool(alpha.min() < 1.0 - MIN_INK)


def _border(grey: np.ndarray) -> np.ndarray:
    return np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
