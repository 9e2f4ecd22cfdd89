"""Colours that follow Streamlit's theme, light or dark, and the CSS aimed at Streamlit's and
Vega's markup (ui/layout.py) still reaching the elements it is meant for."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from cnn.record import Eval
from support.browser import VIEWPORT, page_in_new_context, start_training, stop_training
from ui import charts, pictures
from ui.train_view import LIVE_EVERY

NS = {"svg": "http://www.w3.org/2000/svg"}
DATA_COLOURS = {charts.ACCENT, charts.MUTED, charts.LIGHT, charts.BLUE}  # the curves: readable on either
READABLE = 4.5  # WCAG's contrast for body text; dark text on the dark theme is below 2.7
ON_REDS = 3.0  # the heatmap's numbers: about 3.5 where white takes over from dark (charts.DARK_RED)
NUMBERS = '.st-key-eval_matrix_box .mark-text text[aria-roledescription="text mark"]'  # on the heatmap


def test_svg_charts_draw_text_axes_and_grid_in_the_page_text_colour():
    evals = [Eval(10, 0.91, 0.3, False), Eval(20, 0.95, 0.2, True)]
    for svg in (charts.loss_chart([2.3, 1.0, 0.5]), charts.accuracy_chart([0.5] * 10 + [0.9] * 20, evals)):
        root = ET.fromstring(svg)
        assert {t.get("fill") for t in root.iter(f"{{{NS['svg']}}}text")} == {"currentColor"}
        painted = {v for e in root.iter() for k, v in e.attrib.items() if k in ("fill", "stroke")}
        assert painted <= {"currentColor", "none"} | DATA_COLOURS, painted - DATA_COLOURS


def test_figure_captions_take_the_page_text_colour(monkeypatch):
    shown = []
    monkeypatch.setattr(pictures.st, "markdown", lambda html, **_: shown.append(html))
    pictures.inline_picture(np.zeros((4, 4, 3), np.uint8), "a caption", alt="black")
    (style,) = re.findall(r'<figcaption style="([^"]*)"', shown[0])
    assert "color: inherit" in style and not re.search(r"#[0-9a-fA-F]{3}|rgb", style)


def test_chart_numbers_and_outlines_on_the_page_take_its_text_colour():
    labels = charts.probability_chart(np.full(10, 0.1))["layer"][1]
    assert labels["mark"]["type"] == "text" and labels["mark"]["color"] == charts.INK == "currentColor"
    cells, numbers = charts.confusion_chart(np.eye(10, dtype=int) * 100 + 1, chosen=(0, 1))["layer"]
    assert cells["mark"]["stroke"] == charts.INK  # the chosen cell's outline
    assert numbers["encoding"]["color"]["value"] == charts.INK  # on the diagonal's grey and on empty cells


# ---------------------------------------------------------------- in Chromium, in the dark theme

# For each element matching `sel`: its aria-label, its colour with its opacity folded in, and what
# lies behind it: the nearest ancestor's background colour, under the heatmap cell of the same
# (predicted, true) digits where `onCells`.
COLOURS_JS = """([sel, onCells]) => {
    const rgba = c => { const v = c.match(/[\\d.]+/g).map(Number); return v.length === 4 ? v : [...v, 1]; };
    const over = (c, bg) => c.slice(0, 3).map((v, i) => c[3] * v + (1 - c[3]) * bg[i]);
    const colour = e => {
        const s = getComputedStyle(e), svg = e instanceof SVGElement, c = rgba(svg ? s.fill : s.color);
        return [...c.slice(0, 3), c[3] * s.opacity * (svg ? s.fillOpacity : 1)]; };
    const page = e => { for (let n = e; n; n = n.parentElement) {
        const c = rgba(getComputedStyle(n).backgroundColor); if (c[3] > 0) return over(c, [255, 255, 255]); }
        return [255, 255, 255]; };
    const cell = e => e.getAttribute('aria-label').split(';').slice(0, 2).join(';');
    const cells = {};
    if (onCells) document.querySelectorAll('path[aria-roledescription="rect mark"]').forEach(r => cells[cell(r)] = r);
    return [...document.querySelectorAll(sel)].map(e => {
        const bg = onCells ? over(colour(cells[cell(e)]), page(e)) : page(e);
        return [e.getAttribute('aria-label'), over(colour(e), bg), bg];
    });
}"""
# Descendants of `sel` with a CSS transition that takes time.
TRANSITIONING_JS = """sel => [...document.querySelectorAll(sel)].filter(
    e => getComputedStyle(e).transitionDuration.split(',').some(d => parseFloat(d) > 0)).length"""

# While `ms` pass: how many times an element under `sel` went stale (its fragment rerunning), and the
# least opacity one had then.
STALE_JS = """([sel, ms]) => new Promise(done => {
    let times = 0, least = 1;
    const watch = new MutationObserver(changes => changes.forEach(({target}) => {
        if (target.matches(sel) && target.dataset.stale === 'true') {
            times += 1;
            least = Math.min(least, parseFloat(getComputedStyle(target).opacity));
        }
    }));
    watch.observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-stale']});
    setTimeout(() => { watch.disconnect(); done([times, least]); }, ms);
})"""


def luminance(rgb) -> float:
    c = np.asarray(rgb[:3], float) / 255
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def unreadable(page, selector: str, which=lambda label: True, on_cells=False, least=READABLE) -> list:
    """(aria-label, colour, backdrop) of each element matching `selector` (and `which`) that contrasts
    less than `least` with what lies behind it; fails if nothing matches."""
    found = [(label, fg, bg) for label, fg, bg in page.evaluate(COLOURS_JS, [selector, on_cells]) if which(label)]
    assert found, f"nothing matches {selector}"
    return [(label, fg, bg) for label, fg, bg in found if contrast(fg, bg) < least]


def assert_dark(page) -> None:
    """The page shows the dark theme: its background is near black."""
    background = page.evaluate("() => getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert luminance([float(v) for v in re.findall(r"[\d.]+", background)]) < 0.05, background


@pytest.fixture
def page(server, browser):
    """A page in the dark theme: Streamlit follows the system's colour scheme unless the app sets a theme."""
    with page_in_new_context(browser, viewport=VIEWPORT, color_scheme="dark") as page:
        yield page


def test_evaluate_in_the_dark_theme_reads_and_its_numbers_let_clicks_through(server, page):
    page.goto(f"{server}/Evaluate")
    numbers = page.locator(NUMBERS)
    numbers.first.wait_for()
    page.locator("figcaption", has_text="pool2 · 64 × 7 × 7").wait_for()  # the opened mistake, drawn last
    assert_dark(page)
    assert not unreadable(page, NUMBERS, on_cells=True, least=ON_REDS)
    marks = '[data-testid="stVegaLiteChart"] text[aria-roledescription="text mark"]'
    assert not unreadable(page, marks, lambda label: label.startswith("probability: "))  # the mistake's bars
    assert not unreadable(page, "figcaption")
    # ui/layout.click_through_labels: its container is found, and every number lets clicks through
    assert page.locator(".st-key-eval_matrix_box").count() == 1 and numbers.count() == 100
    events = numbers.evaluate_all("ts => ts.map(t => getComputedStyle(t).pointerEvents)")
    assert set(events) == {"none"}


def test_train_in_the_dark_theme_reads_and_its_live_view_neither_transitions_nor_dims(server, page):
    start_training(page, server, epochs=50)
    try:
        page.locator('.st-key-live_run svg[aria-label="Training loss"]').wait_for()
        assert_dark(page)
        assert not unreadable(page, '.st-key-live_run svg[role="img"] text')
        assert not unreadable(page, ".st-key-live_run figcaption")
        # ui/layout.steady_container: the container is found, nothing in it transitions, and without the rule
        # something would (Streamlit slides the progress bar): else the rule has become needless
        assert page.locator(".st-key-live_run").count() == 1
        assert page.locator('.st-key-live_run [data-testid="stProgress"]').count() == 1
        assert page.evaluate(TRANSITIONING_JS, ".st-key-live_run *") == 0
        # ...and nothing in it dims while the view reruns, where without the rule it would
        times, least = page.evaluate(STALE_JS, [".st-key-live_run *", 2000 * LIVE_EVERY])
        assert times > 0 and least == 1
        page.evaluate("""() => document.querySelectorAll('style').forEach(s => s.textContent.includes(
            '.st-key-live_run') && (s.textContent = s.textContent.replace('opacity: 1 !important', '')))""")
        times, least = page.evaluate(STALE_JS, [".st-key-live_run *", 2000 * LIVE_EVERY])
        assert times > 0 and least < 1
        page.evaluate("""() => document.querySelectorAll('style').forEach(
            s => s.textContent.includes('.st-key-live_run') && s.remove())""")
        assert page.evaluate(TRANSITIONING_JS, ".st-key-live_run *") > 0
    finally:
        stop_training(page)
