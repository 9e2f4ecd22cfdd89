"""A photo of a handwritten digit -> ink on a black background, ready for cnn.prepare.

Dark ink on light paper, lit unevenly: one global threshold either loses the ink in the bright
part or takes the shadow for ink. The paper's brightness is estimated around every pixel
(paper_light), and ink is what is clearly darker than the paper around it: an adaptive
threshold, kept soft so strokes keep their anti-aliased edges.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from .errors import PhotoError, first_line

MAX_BYTES = 2 * 1024 * 1024  # the Photo page's uploader refuses larger files in the browser
MAX_PIXELS = 40_000_000  # more than a 40-megapixel photo is refused before decoding
WORK_SIDE = 512  # photos are shrunk to this longer side first: a digit needs no more
PAPER_SIDE = 128  # the paper's light is estimated at this size
FORMATS = ("PNG", "JPEG")


@dataclass(frozen=True)
class PhotoSteps:
    grey: np.ndarray  # (H, W) in [0, 1], 1 = white paper
    paper: np.ndarray  # (H, W) the paper's brightness around each pixel
    ink: np.ndarray  # (H, W) in [0, 1], 1 = ink: a canvas for cnn.prepare


def read_photo(data: bytes) -> np.ndarray:
    """PNG or JPEG bytes -> (H, W) greyscale in [0, 1], turned upright, longer side <= WORK_SIDE.
    Raises PhotoError for anything too big, not an image, or a decompression bomb."""
    if len(data) > MAX_BYTES:
        raise PhotoError(f"The file is {len(data) / 1e6:.1f} MB; photos up to {MAX_BYTES // 2**20} MB are read.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in FORMATS:
                raise PhotoError(f"This is a {image.format} image; upload a PNG or JPEG photo.")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError(f"The image claims {width:,} × {height:,} pixels, more than any photo of a digit "
                                 "needs (a decompression bomb?); it was not opened.")
            image.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at a reduced size straight away
            image = ImageOps.exif_transpose(image).convert("L")
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise PhotoError(f"This file is not a PNG or JPEG image that can be read ({first_line(e)}).") from e
    except (OSError, ValueError, SyntaxError) as e:  # truncated or damaged image data
        raise PhotoError(f"This image is damaged and cannot be read ({first_line(e)}).") from e
    image.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(image, np.float32) / 255.0


def photo_to_ink(grey: np.ndarray) -> PhotoSteps:
    """(H, W) greyscale in [0, 1] -> the paper's brightness around each pixel, and the ink."""
    paper = paper_light(grey)
    darker = np.clip(paper - grey, 0, None)  # how much darker than the paper around it
    noise = float(np.median(np.abs(darker - np.median(darker)))) * 1.4826  # robust spread of the paper
    # the ink's darkness: a high percentile, not the darkest pixel (one speck); 99.5 took paper for the ink
    # where the ink covers under 0.5% of the photo, as two thin 1s do (tests/test_photo.py)
    strongest = float(np.percentile(darker, 99.9))
    if strongest < max(0.08, 6 * noise):
        raise PhotoError("No ink found: the photo looks like blank paper. Photograph a digit written in dark ink.")
    low = max(3 * noise, 0.25 * strongest)  # below: paper grain and shadows
    ink = np.clip((darker - low) / (0.75 * strongest - low), 0, 1).astype(np.float32)
    return PhotoSteps(np.asarray(grey, np.float32), paper, ink)


def paper_light(grey: np.ndarray, side: int = PAPER_SIDE) -> np.ndarray:
    """The paper's brightness around each pixel of (H, W) `grey`. Worked out on a copy shrunk
    to `side` px (the light changes slowly; a rank filter's cost grows with its area), then
    enlarged back: a grey closing (max, then min filter, wider than a pen stroke) paints the
    dark strokes over with the paper around them, and a wide blur smooths what is left."""
    h, w = grey.shape
    scale = min(1.0, side / max(h, w))
    small = Image.fromarray((np.clip(grey, 0, 1) * 255).round().astype(np.uint8))  # 8 bits: Pillow's filters
    small = small.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    stroke = max(3, max(small.size) // 20) | 1  # odd, in pixels of the small copy
    closed = small.filter(ImageFilter.MaxFilter(stroke)).filter(ImageFilter.MinFilter(stroke))
    light = closed.filter(ImageFilter.GaussianBlur(max(small.size) / 16))
    return np.asarray(light.resize((w, h), Image.Resampling.BILINEAR), np.float32) / 255

