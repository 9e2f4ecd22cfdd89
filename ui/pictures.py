"""Pictures placed inline in the page: the ones that change on every stroke or while a run trains.

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

FILTERS_WIDTH = 356  # pixels at most for conv1's filters: a row of 8 (sent about 180 px wide) shown twice as large


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


def filters(weights: np.ndarray, caption: str, bound: float | None = None, when: str = "") -> None:
    """conv1's filters (C, 1, k, k), sent small and enlarged by the browser: twice, up to
    FILTERS_WIDTH px (more than 64 filters, a square grid over 8 a row, are enlarged less).
    `bound` as viz.filter_grid's; `when` ends the alt text ("at step 200")."""
    grid = viz.filter_grid(weights, bound=bound)
    inline_picture(grid, caption, alt=f"conv1's {filter_words(weights)} {when}".strip(),
                   width=min(2 * grid.shape[1], FILTERS_WIDTH))


def filter_words(weights: np.ndarray) -> str:
    """What conv1's weights (C, 1, k, k) hold, in words: "32 filters (5×5)", "1 filter (3×3)"."""
    count, side = len(weights), weights.shape[-1]
    return f"{count} filter{'' if count == 1 else 's'} ({side}×{side})"
