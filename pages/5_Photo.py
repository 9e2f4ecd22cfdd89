"""Photo: classify a photo of a handwritten digit (or read a number), with every step from photo to answer."""
import streamlit as st

import cnn
from cnn.photo import MAX_BYTES, PhotoError, photo_to_ink, read_photo
from ui import number_view, photo_view, prediction_view
from ui.layout import page_setup
from ui.picker import pick_model

page_setup("Photo")
st.title("Classify a photo")

_, model = pick_model("photo_model")
upload = st.file_uploader(f"A photo of a digit or a number written in dark ink on light paper (PNG or JPEG, up to "
                          f"{MAX_BYTES // 2**20} MB)", type=["png", "jpg", "jpeg"], key="photo_upload",
                          max_upload_size=MAX_BYTES // 2**20)
if upload is None or model is None:
    st.info("Upload a photo: the paper may be lit unevenly, the app finds the ink where it is darker than the "
            "paper around it.")
    st.stop()
try:
    steps = photo_to_ink(read_photo(upload.getvalue()))
    prepared = cnn.prepare(steps.ink)
except PhotoError as e:
    st.error(str(e))
    st.stop()

photo_view.from_photo_to_ink(steps)
reading = cnn.read_number(steps.ink, model)
if len(reading.digits) > 1:  # a number: each digit boxed and read as a lone one is
    st.subheader("The number read")
    number_view.show_reading(steps.ink, reading)
    st.stop()
analysis = cnn.analyze(model, prepared.image)
input_col, verdict_col = st.columns([1, 1.3], gap="medium")
with verdict_col:
    prediction_view.verdict(analysis.probs)
with input_col:
    prediction_view.model_input(prepared.image)
st.subheader("What the model sees")
prediction_view.preparation(model, prepared)
