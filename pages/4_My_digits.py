"""My digits: the drawings kept on Draw, by digit, and fine-tuning a model on them."""
import streamlit as st

from ui import my_digits_view
from ui.layout import page_setup

page_setup("My digits")
st.title("My digits")

kept = my_digits_view.my_digits().items()
if kept:
    my_digits_view.overview(kept)
else:
    st.info("No drawings kept yet. On **Draw**, press **Right: keep as a …** under a prediction, or pick the "
            "right digit when the model got it wrong.")
my_digits_view.finetune_panel(kept)
