"""Pictures placed inline in the page, for the ones that refresh every second.

st.image stores each new picture in the server's media store and the browser fetches it
with a request of its own; a small PNG inline (a data: URL) costs neither. The picture is
sent at its own size and enlarged by the browser with hard pixel edges.
"""
from __future__ import annotations

import base64
import io
from html import escape

import numpy as np
from PIL import Image


def png_data_url(rgb: np.ndarray) -> str:
    """(H, W, 3) uint8 -> a data: URL holding it as a PNG."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def inline_picture(rgb: np.ndarray, width: int, caption: str, alt: str) -> str:
    """HTML for an enlarged, pixelated picture with a caption under it."""
    return (f'<figure style="margin:0"><img src="{png_data_url(rgb)}" alt="{escape(alt)}" width="{width}" '
            f'style="image-rendering: pixelated; display: block">'
            f'<figcaption style="font-size: 14px; color: rgba(49, 51, 63, 0.6); margin-top: 4px">'
            f'{escape(caption)}</figcaption></figure>')
