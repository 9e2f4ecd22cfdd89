"""The baseline for bench_draw_latency.py: the same canvas and one line of text, nothing else."""
import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

canvas = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=280, width=280,
                   drawing_mode="freedraw", return_image_data=True, key="bare_canvas")
ink = 0 if canvas.image_data is None else int((np.asarray(canvas.image_data)[..., 0] > 0).sum())
st.write(f"Ink pixels: {ink}")
