"""Draw: a canvas, the model's verdict, and what every layer does with the drawing."""
import streamlit as st

import cnn
from ui import compute_view, filters_view, fool_view, my_digits_view, number_view, prediction_view
from ui.layout import last_on_phones, lazy_tabs, page_setup
from ui.picker import download, pick_model, upload

SECTION = "draw_section"  # the open tab below the answer
PEN_WIDTH = 460  # px: the brush and the switch, about the canvas's column wide
DIGIT, NUMBER = "A digit", "A number"  # what the canvas is for: one digit (28x28, looked inside) or a whole number

page_setup("Draw")
number_mode = st.session_state.get("draw_mode") == NUMBER  # the switch below, as last set
st.title("Write a number" if number_mode else "Draw a digit")

picker_col, files_col = st.columns([3.4, 2], vertical_alignment="bottom")
with picker_col:
    choice, model = pick_model("draw_model")
with files_col, st.container(horizontal=True, wrap=False):  # one row even on a phone: the canvas stays up
    upload("draw_model", "draw_upload")
    download(choice, "draw_download")

with st.container(horizontal=True, wrap=False, width=PEN_WIDTH, vertical_alignment="bottom", gap="medium"):
    brush = st.slider("Brush width", min_value=6, max_value=40, value=18, key="draw_brush")
    st.segmented_control("Write", [DIGIT, NUMBER], default=DIGIT, key="draw_mode", required=True)

if number_mode:
    number_view.number(model, brush)
    st.stop()

canvas_col, input_col, verdict_col = st.columns([1.1, 1, 1.3], gap="medium")
with canvas_col:
    image = prediction_view.canvas("draw_canvas", 280, brush, kept="draw_image")  # (280, 280, 4) RGBA
prepared = None
try:
    prepared = cnn.prepare(image) if image is not None else None
except cnn.EmptyDrawingError:
    pass
except ValueError as e:  # not a picture the canvas could have made
    st.error(f"This drawing cannot be read: {e}. Clear the canvas and draw again.")

if prepared is None:
    verdict_col.info("Draw a digit on the black canvas: the prediction appears when you lift the mouse.")
elif model is not None:
    analysis = cnn.analyze(model, prepared.image)
    with verdict_col:  # the answer first: Streamlit sends each element as soon as it is made
        note = prediction_view.verdict(analysis.probs)
        my_digits_view.keep(prepared.image, analysis.prediction)
    with input_col, last_on_phones("draw_input"):  # on a phone: canvas, answer, then this
        prediction_view.model_input(prepared.image)
    prediction_view.doubt_note(note, analysis.probs, cnn.assess(model, prepared.image, analysis.prediction))
    prediction_view.compare(choice, analysis.probs, prepared.image)
    lazy_tabs({  # under the answer, computed only when opened: the first screen stays the answer
        "Inside the network": lambda: prediction_view.layers(model, analysis),
        "Why this digit": lambda: prediction_view.why(model, prepared.image, analysis.probs, key="draw_why"),
        "What the model sees": lambda: prediction_view.preparation(model, prepared),
        "One number, computed": lambda: compute_view.calculator(model, prepared.image, analysis),
        "What each filter looks for": lambda: filters_view.looks_for(choice, model, prepared.image, analysis),
        "Fool it": lambda: fool_view.fool(model, prepared.image, analysis.probs),
    }, key=SECTION, default="Inside the network")
