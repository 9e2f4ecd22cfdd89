"""How a photo becomes ink: the photo, the paper's light, the ink found."""
from __future__ import annotations

import streamlit as st

from cnn.photo import PhotoSteps
from cnn.preprocess import resize
from ui import pictures, viz

SIDE = 300  # pixels each picture is shown at, at most


def from_photo_to_ink(steps: PhotoSteps) -> None:
    st.subheader("From photo to ink")
    pictures_and_captions = [
        (steps.grey, "The photo, in grey"),
        (steps.paper, "The paper's light around each pixel"),
        (steps.ink, "Ink: clearly darker than the paper around it"),
    ]
    for column, (picture, caption) in zip(st.columns(3), pictures_and_captions):
        with column:
            pictures.inline_picture(viz.grey_rgb(_fit(picture)), caption, alt=caption)


def _fit(picture):
    h, w = picture.shape
    scale = min(1.0, SIDE / max(h, w))
    return resize(picture, max(1, round(h * scale)), max(1, round(w * scale)))
