"""What every page does first: page config and the navigation in the sidebar."""
import streamlit as st

PAGES = [
    ("app.py", "Home", ":material/home:"),
    ("pages/1_Train.py", "Train", ":material/monitoring:"),
    ("pages/2_Draw.py", "Draw", ":material/draw:"),
]


def page_setup(title: str) -> None:
    st.set_page_config(page_title=f"{title} · MNIST CNN, live", page_icon=":material/draw:", layout="wide")
    with st.sidebar:
        st.markdown("### MNIST CNN, live")
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
