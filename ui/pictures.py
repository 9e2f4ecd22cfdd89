"""Pictures placed inline in the page: the ones that change on every stroke or every second.

st.image stores each new picture in the server's media store and the browser fetches it
with a request of its own; a small PNG inline (a data: URL) costs neither. Pictures can be
sent small and enlarged by the browser with hard pixel edges.
"""
from __future__ import annotations

import base64
import io
from html import escape

import numpy as np
import streamlit as st
from PIL import Image

from ui import viz


def png_data_url(rgb: np.ndarray) -> str:
    """(H, W, 3) uint8 -> a data: URL holding it as a PNG."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def inline_picture(rgb: np.ndarray, caption: str, alt: str, width: int | None = None) -> None:
    """Show an RGB picture at `width` pixels (default: its own), pixelated, with a caption.
    (object-fit: Streamlit's markdown styles would otherwise draw it at its own size, centred.)"""
    width = width or rgb.shape[1]
    st.markdown(f'<figure style="margin:0"><img src="{png_data_url(rgb)}" alt="{escape(alt)}" width="{width}" '
                f'style="image-rendering: pixelated; display: block; max-width: 100%; height: auto; '
                f'object-fit: contain">'
                f'<figcaption style="font-size: 14px; color: inherit; opacity: 0.6; margin-top: 4px">'
                f'{escape(caption)}</figcaption></figure>', unsafe_allow_html=True)


def filters(weights: np.ndarray, caption: str) -> None:
    """The 32 conv1 filters (32, 1, 5, 5), sent at half size and doubled by the browser."""
    inline_picture(viz.filter_grid(weights, scale=4), caption, alt="the 32 conv1 filters", width=356)
