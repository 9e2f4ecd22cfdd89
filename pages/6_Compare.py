"""Compare runs: saved runs (and the run in progress) side by side: their curves on one axis, their
settings in one table. The choice lives in the address, to bookmark or share."""
import streamlit as st

from ui import compare_view
from ui.layout import page_setup

page_setup("Compare")
st.title("Compare runs")

options = compare_view.choices()
compare_view.follow_address(options)
names = compare_view.pick_runs(options)
axis = compare_view.pick_axis()
compare_view.remember(names, axis)
runs = compare_view.load(names)
if len(runs) < compare_view.MIN_RUNS:
    st.info("Pick at least two runs to compare." if len(options) >= compare_view.MIN_RUNS else
            f"Comparing needs at least two runs, and there {'is' if len(options) == 1 else 'are'} {len(options)} "
            "here: train some on the Train page.")
    st.stop()
compare_view.curves(runs, axis)
compare_view.settings_table(runs)
