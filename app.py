"""Entry point and home page: `streamlit run app.py`. The other pages are in pages/."""
from ui.layout import page_setup

page_setup("Home")

from ui.home import render  # noqa: E402 - page_setup must be the first Streamlit call

render()
