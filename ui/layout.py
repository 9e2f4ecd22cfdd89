"""What every page does first: page config and the navigation in the sidebar."""
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Page:
    path: str
    label: str  # in the sidebar
    icon: str
    pitch: str = ""  # what it offers, as the home page links to it


PAGES = [
    Page("app.py", "Home", ":material/home:"),
    Page("pages/1_Train.py", "Train", ":material/monitoring:", "Train the network and watch it learn"),
    Page("pages/2_Draw.py", "Draw", ":material/draw:", "Draw a digit and look inside"),
    Page("pages/3_Evaluate.py", "Evaluate", ":material/grid_on:", "See where the model goes wrong on the test set"),
    Page("pages/4_My_digits.py", "My digits", ":material/collections:", "Keep your drawings and fine-tune on them"),
    Page("pages/5_Photo.py", "Photo", ":material/photo_camera:", "Classify a photo of a handwritten digit"),
    Page("pages/6_Compare.py", "Compare", ":material/compare_arrows:", "Lay runs side by side"),
]


def page_setup(title: str) -> None:
    torch = sys.modules.get("torch")
    if torch:  # not yet on Home's first run, which puts its text on screen before importing PyTorch
        torch.set_num_threads(server_threads())
    st.set_page_config(page_title=f"{title} · MNIST CNN, live", page_icon=":material/draw:", layout="wide")
    with st.sidebar:
        st.markdown("### MNIST CNN, live")
        for page in PAGES:
            st.page_link(page.path, label=page.label, icon=page.icon)
    st.html(PHONE_STYLE)  # (st.html with only a <style> takes no room in the page)


def steady_container(key: str):
    """A container whose contents change without CSS transitions or dimming.

    Streamlit fades each redrawn element back in over a second, and slides the progress bar
    over half a second. In a view refreshed every second or two these never stop, and in a browser
    without a GPU every frame is painted on the cores that train. Without them the browser
    used about a third less CPU time while a run trained (and the charts stop flickering).
    Streamlit also dims each element to a third while its fragment reruns (data-stale): with the
    transitions off, the whole view flashed every second, each flash two more paints of every chart.
    Kept opaque, Chromium's renderer took 0.097 and 0.103 of a core while a run trained, against
    0.113 and 0.114 without (two alternating pairs, /proc CPU times over 15 s).
    The rules aim at Streamlit's markup (st-key-<key> is the documented class of a keyed
    container): tests/test_theme.py checks in Chromium that they still stop both.
    """
    st.markdown(f"<style>.st-key-{key} * {{ transition: none !important; }} "
                f".st-key-{key} [data-stale] {{ opacity: 1 !important; }}</style>", unsafe_allow_html=True)
    return st.container(key=key)


def click_through_labels(key: str):
    """A container in whose charts text marks let clicks through to the marks beneath.

    A selection lives on one layer of a Vega-Lite chart (the same selection on two layers is
    an error), and the number written on a heatmap cell would otherwise catch the click.
    mark-text is the class Vega's SVG renderer gives text marks: tests/test_theme.py checks in
    Chromium that the rule still reaches them (and tests/test_browser.py clicks a number).
    """
    st.markdown(f"<style>.st-key-{key} .mark-text {{ pointer-events: none; }}</style>", unsafe_allow_html=True)
    return st.container(key=key)


TILE_WIDTH = 104  # px: a gallery tile (a 28x28 at 3x, its caption, a button): 8 a desktop row, 3 a phone row
PHONE = "(max-width: 640px)"  # where Streamlit stacks columns one under another: a phone held upright


# On a phone, less room above the first heading (Streamlit keeps 6rem, for a 4rem toolbar) and a
# smaller title: together they give Draw's canvas the ~60 px it lacked to be whole on an iPhone 13.
PHONE_STYLE = (f"<style>@media {PHONE} {{ [data-testid='stMainBlockContainer'] {{ padding-top: 4.5rem; }} "
               f"[data-testid='stMainBlockContainer'] h1 {{ font-size: 2rem; }} }}</style>")


def last_on_phones(key: str):
    """A container whose column goes to the end of its row where the columns stack (PHONE).

    On a phone the columns of a row come one under another, in their order. A page whose answer
    sits in a later column (Draw: canvas, model input, answer) would push the answer below the
    fold; moving this column last keeps the answer right under the canvas. :has() finds the
    column that holds the keyed container (st-key-<key> is Streamlit's documented class);
    tests/test_phone.py checks on phone profiles that the answer follows the canvas.
    """
    st.html(f"<style>@media {PHONE} {{ [data-testid='stColumn']:has(.st-key-{key}) {{ order: 1; }} }}</style>")
    return st.container(key=key)


def shrink_to_column(key: str) -> None:
    """Let the keyed Vega-Lite chart, drawn at a fixed size, shrink whole to a narrower column.

    The confusion matrix is a 420 px square (width="stretch" would widen it on a desktop and
    squash it on a phone). On a phone, where Streamlit stacks columns below 640 px and leaves
    about 360 px, its right side and legend stuck out and the page scrolled sideways. Vega's SVG
    has a viewBox, so max-width scales it, text and all, and keeps it square; clicks and tooltips
    still find their marks, which Vega takes from the element under the pointer. A column wide
    enough leaves the chart as it was. (st.html with only a <style> takes no room in the page.)
    """
    st.html(f"<style>.st-key-{key} svg.marks {{ max-width: 100%; height: auto; }}</style>")


def tiles(items, show: Callable, width: int = TILE_WIDTH) -> None:
    """`show(item)` for each item in a tile `width` px wide, as many a row as fit: eight across a desktop's
    page, three across a phone (a row of st.columns would stack there, one tile a line)."""
    with st.container(horizontal=True, gap="small"):
        for item in items:
            with st.container(width=width):
                show(item)


def server_threads() -> int:
    """Threads for the server's own PyTorch work (predictions, evaluations): half the cores.

    A training run in its child process uses every core, at a lower priority. Had the server
    asked for every core too, each prediction would wait on threads busy training; one drawing
    needs one thread. Set at every page run: OpenMP keeps the setting per thread, and Streamlit
    runs each script in a thread of its own.
    """
    return max(1, (os.cpu_count() or 1) // 2)


def long_pass_threads(training: bool) -> int:
    """Threads for a long pass over the test set (evaluating a model, finding each channel's best
    digits): every core while no run trains (the 10,000 test images took 5.2-6.1 s on one thread,
    2.9-3.2 s on two: 2-core AMD EPYC, /tmp script), the server's share while one does."""
    return server_threads() if training else os.cpu_count() or 1


def lazy_tabs(sections: dict[str, Callable[[], None]], key: str, default: str) -> None:
    """Tabs of which only the open one is computed: a page's deeper sections, grouped under its
    answer, cost nothing until someone looks (a click on a tab reruns the page)."""
    for tab, show in zip(st.tabs(list(sections), key=key, on_change="rerun", default=default), sections.values()):
        if tab.open:
            with tab:
                show()


def slider_start(key: str, default: int, top: int) -> None:
    """A keyed slider's value before it is drawn: `default` the first time, then whatever it was,
    brought within 0..top (a smaller network chosen since has fewer channels: Streamlit would refuse
    a value past the end)."""
    st.session_state[key] = min(max(int(st.session_state.get(key, default)), 0), top)
