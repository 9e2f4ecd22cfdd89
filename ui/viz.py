"""Arrays for pictures: feature-map grids, filter grids, an enlarged 28x28 with visible pixels.

Every function returns an RGB uint8 image (H, W, 3) ready for st.image or PIL, so pages only
place pictures and never compute them.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps

GAP = 2  # pixels between tiles
GAP_COLOUR = (40, 40, 48)
COLUMNS = 8  # tiles a row in a grid of channels or filters, up to 64 of them
MAP_TILE = 56  # pixels a feature-map tile is drawn at: 28x28 maps at 2x, 14x14 at 4x, 7x7 at 8x, 3x3 at 19x
FILTER_TILE = 20  # pixels a filter tile is sent at: 5x5 filters at 4x, 3x3 at 7x, 7x7 at 3x
FOR, AGAINST = (255, 64, 48), (48, 140, 255)  # saliency colours: ink for the digit, ink against it


def colourise(values: np.ndarray, cmap: str = "magma", lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """Map values to RGB with a perceptual colour map, scaled to [lo, hi] (default: min, max)."""
    lo = float(values.min()) if lo is None else lo
    hi = float(values.max()) if hi is None else hi
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values, dtype=np.float32)
    return (colormaps[cmap](np.clip(scaled, 0, 1))[..., :3] * 255).astype(np.uint8)


def tile(images: np.ndarray, columns: int | None = None, scale: int = 1) -> np.ndarray:
    """(N, h, w, 3) tiles -> one (H, W, 3) grid, each tile enlarged `scale` times, GAP apart."""
    n, h, w, _ = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    h, w = h * scale, w * scale
    grid = np.empty((rows * (h + GAP) + GAP, columns * (w + GAP) + GAP, 3), np.uint8)
    grid[:] = GAP_COLOUR
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        top, left = GAP + r * (h + GAP), GAP + c * (w + GAP)
        grid[top : top + h, left : left + w] = img.repeat(scale, 0).repeat(scale, 1)
    return grid


def feature_grid(maps: np.ndarray, columns: int | None = None, scale: int | None = None) -> np.ndarray:
    """(C, H, W) activations -> a grid of C tiles. One colour scale for the whole layer, so
    tiles compare: a dark tile is a channel that barely fired. Default layout: grid_columns(C)
    tiles a row, each about MAP_TILE px wide whatever the maps' size."""
    columns, scale = columns or grid_columns(len(maps)), scale or _scale(maps, MAP_TILE)
    return tile(colourise(maps, "magma", lo=0.0), columns, scale)


def filter_grid(weights: np.ndarray, columns: int | None = None, scale: int | None = None,
                bound: float | None = None) -> np.ndarray:
    """(C, 1, k, k) or (C, k, k) conv1 weights -> a grid. Diverging colours centred on 0:
    red pixels excite the filter, blue ones inhibit it. `bound` (default: the largest weight)
    is the weight shown at full colour: give pictures that must compare the same one.
    Default layout: grid_columns(C) tiles a row, each about FILTER_TILE px whatever k is."""
    w = weights.reshape(weights.shape[0], *weights.shape[-2:])  # (C, k, k)
    bound = bound or float(np.abs(w).max()) or 1.0
    columns, scale = columns or grid_columns(len(w)), scale or _scale(w, FILTER_TILE)
    return tile(colourise(w, "RdBu_r", -bound, bound), columns, scale)


def grid_columns(count: int) -> int:
    """COLUMNS tiles a row (all of them, if fewer), up to COLUMNS² tiles; more make a square
    grid, so 256 channels are 16 rows, not 32."""
    return min(count, max(COLUMNS, math.ceil(math.sqrt(count))))


def _scale(tiles: np.ndarray, pixels: int) -> int:
    """How many times to enlarge (N, h, w) tiles so they are about `pixels` wide."""
    return max(1, round(pixels / tiles.shape[-1]))


def pixel_grid(image: np.ndarray, scale: int = 10) -> np.ndarray:
    """(28, 28) in [0, 1] -> enlarged greyscale with a faint line around every pixel."""
    return enlarge(grey_rgb(image), scale)


def saliency_picture(image: np.ndarray, saliency: np.ndarray, scale: int = 9) -> np.ndarray:
    """The (28, 28) input dimmed, with each pixel's saliency in [-1, 1] laid over it: red where
    the ink argues for the digit, blue where it argues against, clear where it does not matter."""
    dimmed = grey_rgb(image).astype(np.float32) * 0.4
    colour = np.where(saliency[..., None] > 0, FOR, AGAINST).astype(np.float32)
    weight = np.clip(np.abs(saliency) * 2, 0, 1)[..., None] ** 0.7  # half the peak shows at full colour
    return enlarge((dimmed * (1 - weight) + colour * weight).astype(np.uint8), scale)


def square(image: np.ndarray) -> np.ndarray:
    """(H, W) -> (S, S), S = max(H, W): padded with 0 (no ink) around the middle."""
    h, w = image.shape
    side = max(h, w)
    out = np.zeros((side, side), image.dtype)
    top, left = (side - h) // 2, (side - w) // 2
    out[top : top + h, left : left + w] = image
    return out


def grey_rgb(image: np.ndarray) -> np.ndarray:
    """(..., H, W) in [0, 1] -> (..., H, W, 3) uint8 grey."""
    grey = (np.clip(image, 0, 1) * 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def enlarge(rgb: np.ndarray, scale: int) -> np.ndarray:
    """(H, W, 3) -> (H * scale, W * scale, 3) with a faint line around every original pixel
    (from 4x up: below that the lines would cover the picture)."""
    big = rgb.repeat(scale, 0).repeat(scale, 1)
    if scale < 4:
        return big
    line = np.zeros(big.shape[:2], bool)
    line[::scale, :] = line[:, ::scale] = True
    big[line] = (0.75 * big[line] + 0.25 * np.array([90, 90, 110])).astype(np.uint8)
    return big


def patch_mosaic(patches: np.ndarray, scale: int, columns: int = 3) -> np.ndarray:
    """(k, s, s) patches in [0, 1] (a channel's best test digits) -> one grid, `columns` a row."""
    return tile(grey_rgb(patches), columns, scale)


def boxed(image: np.ndarray, box: tuple[int, int, int], scale: int, colour=(0, 229, 255)) -> np.ndarray:
    """The (28, 28) image enlarged, with the square `box` (top, left, size) outlined; a box that
    runs past the edge (zero padding) is drawn to the edge."""
    big = pixel_grid(image, scale)
    top, left, size = (v * scale for v in box)
    bottom, right = min(top + size, len(big)) - 1, min(left + size, len(big)) - 1
    top, left = max(top, 0), max(left, 0)
    for r0, r1, c0, c1 in ((top, top + 2, left, right), (bottom - 1, bottom + 1, left, right),
                           (top, bottom, left, left + 2), (top, bottom, right - 1, right + 1)):
        big[r0:r1, c0:c1 + 1] = colour
    return big
