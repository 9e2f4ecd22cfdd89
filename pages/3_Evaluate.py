"""Evaluate: a model on the 10,000 test images: confusion matrix, per-digit scores, mistakes."""
from operator import attrgetter

import streamlit as st

import cnn
from ui import evaluate_view
from ui.layout import page_setup
from ui.state import evaluation, load_choice, model_choices, test_split

page_setup("Evaluate")
st.title("Evaluate")

choice = st.selectbox("Model", model_choices(include_live=False), format_func=attrgetter("label"), key="eval_model",
                      help="The bundled model or a saved run. The run in progress can be evaluated once it ends.")
try:
    if choice.error:
        raise cnn.CheckpointError(choice.error)
    model = load_choice(choice)
    with st.spinner("Running the model on every test image (a few seconds, once per model)..."):
        result = evaluation(choice.path)
    images = test_split().images[:, 0].numpy()  # (N, 28, 28)
except (cnn.CheckpointError, cnn.DataError) as e:
    st.error(f"This model cannot be evaluated: {e}")
    st.stop()

evaluate_view.summary(result)
st.subheader("Confusion matrix")
chart_col, cell_col = st.columns([1, 1], gap="large")
with chart_col:
    evaluate_view.matrix(result)
with cell_col:
    evaluate_view.cell(result, images)
st.subheader("Precision and recall per digit")
evaluate_view.per_digit(result)
st.subheader("Mistakes")
evaluate_view.mistakes(model, result, images)
