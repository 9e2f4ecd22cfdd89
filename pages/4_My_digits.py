"""My digits: the drawings kept on Draw, by digit, and fine-tuning a model on them."""
import streamlit as st

from ui import mine_view
from ui.layout import page_setup

page_setup("My digits")
st.title("My digits")

kept = mine_view.collection().items()
if kept:
    st.caption(f"{len(kept)} drawings, kept in {mine_view.collection().folder}.")
    mine_view.counts_row(kept)
    mine_view.gallery(kept)
else:
    st.info("No drawings kept yet. On **Draw**, press **Right: keep as a …** under a prediction, or pick the "
            "right digit when the model got it wrong.")
mine_view.finetune_panel(kept)
