"""Screenshots of the real app for the README, saved in docs/.

    CNN_DATA_DIR=../shared/data python -m docs.take_screenshots
Starts the app on a free port with an empty runs folder, runs the "fast" preset on the Train
page (and lets it finish, for the filter history), draws a small 4 in a corner of the Draw
page's canvas, opens the Evaluate page, keeps six drawings and fine-tunes on them, compares
two models, classifies docs/photo_digit.jpg (made by support/photos.py), designs a network and
trains it with the tutorial recipe, paused, stepped and its learning rate changed, and saves what
headless Chromium shows. Then, with the server in the dark theme: Train while it trains, Draw and
Evaluate (dark_*.png). `python -m docs.take_screenshots network` takes only the network's; `... compare` trains the fast
recipe with 3x3 and with 5x5 kernels (through cnn.job, as the Train page does) and shows them on
the Compare page (compare_runs.png); `... layers` shows a run's Layer by layer section; `... draw`
takes Draw and each of its tabs with the bundled model (needs the full test set for the filters tab); `... number`
Draw's number mode, its Download menu and a photo of a number; `... phone` Draw on a Pixel 5, drawn by touch;
`... dark` the dark-theme screenshots alone.
"""
import os
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from cnn.job import Registry
from cnn.model import ModelConfig
from cnn.train import make_config
from support.browser import (
    CHROMIUM_FLAGS,
    DIGIT_STROKES,
    chromium_or_skip,
    draw_on_draw_page,
    streamlit_server,
    stroke,
    touch_stroke,
)

DOCS = Path(__file__).parent
FOUR = [[(170, 40), (75, 170), (200, 170)], [(165, 110), (165, 250)]]
SMALL_FOUR = [[(x * 0.4 + 8, y * 0.4 + 8) for x, y in s] for s in FOUR]  # a quarter of the size, top left
SEVEN = [[(70, 60), (210, 60), (120, 250)]]
KEEP = [(1, [DIGIT_STROKES[1]]), (0, [DIGIT_STROKES[0]]), (4, FOUR), (7, SEVEN), (1, [DIGIT_STROKES[1][3:-3]]),
        (7, [[(x * 0.7 + 40, y * 0.7 + 30) for x, y in s] for s in SEVEN])]
# 4107 on the number canvas (700 x 280): the 4, 1, 0 and 7 above at 80%, side by side
NUMBER = [[(x * 0.8 + dx, y * 0.8 + 20) for x, y in points] for dx, strokes in
          ((0, FOUR), (150, [DIGIT_STROKES[1]]), (280, [DIGIT_STROKES[0]]), (450, SEVEN)) for points in strokes]
WIDE, TALL = {"width": 1400, "height": 1000}, {"width": 1400, "height": 4200}
MAIN_LEFT = 364  # the main column's left edge, beside the sidebar, in a window WIDE or TALL


def section(page, heading: str, until: str | None, path: Path, height: float = 0) -> None:
    """Save the page from `heading` down to the heading `until` (or `height` px)."""
    top = page.get_by_role("heading", name=heading, exact=True).bounding_box()
    bottom = page.get_by_role("heading", name=until, exact=True).bounding_box()["y"] if until else top["y"] + height
    page.screenshot(path=path, clip={"x": MAIN_LEFT, "y": top["y"] - 12, "width": 1060,
                                     "height": bottom - top["y"] + 16})


def top_and_sections(page, top: Path, sections: list[tuple[str, str, str]]) -> None:
    """The top of the page as the window shows it, then (heading, next heading, file) sections."""
    page.wait_for_timeout(1500)
    page.screenshot(path=top)
    page.set_viewport_size(TALL)  # every section on screen at once
    page.wait_for_timeout(1000)
    for heading, until, name in sections:
        section(page, heading, until, DOCS / name)
    page.set_viewport_size(WIDE)


def home_and_train(page, url: str) -> None:
    page.goto(url)
    page.get_by_text("MNIST test accuracy").wait_for()
    page.screenshot(path=DOCS / "home.png")
    page.goto(f"{url}/Train")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_function("/Step [3-9]\\d\\d of/.test(document.body.innerText)")
    page.wait_for_timeout(1500)
    page.screenshot(path=DOCS / "train.png", full_page=True)


def filter_history(page) -> None:
    """The finished run's filters at the start and at the end."""
    page.get_by_text("Finished.").wait_for(timeout=300_000)
    page.set_viewport_size(TALL)
    page.get_by_role("heading", name="How the filters learned").first.wait_for()
    page.wait_for_timeout(1500)
    section(page, "How the filters learned", None, DOCS / "train_filters.png", height=400)
    page.set_viewport_size(WIDE)


# Draw's tabs under the answer: (label, text that says it is done, file, height in px)
DRAW_TABS = [("Why this digit", "Why a 4", "draw_why.png", 470),
             ("What the model sees", "Naive: the whole canvas", "draw_steps.png", 330),
             ("One number, computed", "(50 a second)", "draw_compute.png", 1400),
             ("What each filter looks for", "Every conv2 channel", "draw_filters.png", 1500),
             ("Fool it", "The model now says", "draw_fool.png", 640)]


def draw(page, url: str) -> None:
    """A small 4 in the canvas's corner: the page as it opens (Inside the network), then each other tab."""
    draw_on_draw_page(page, url, SMALL_FOUR, "Prediction:")
    page.get_by_text("conv2 · 64 × 14 × 14").wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=DOCS / "draw.png")
    for label, done, name, height in DRAW_TABS:
        page.get_by_role("tab", name=label).click()
        if label == "One number, computed":  # the slide, two seconds in
            page.get_by_role("button", name="Play").click()
            page.wait_for_timeout(2000)
        page.get_by_text(done).first.wait_for()
        page.mouse.move(0, 0)
        tall_shot(page, DOCS / name, height=height, below=page.get_by_role("tablist"))


def number(page, url: str) -> None:
    """Draw's number mode with 4107 written, each digit boxed, and its Download menu open; then a photo of a
    number (docs/photo_number.jpg, made by `python -m support.photos`) on the Photo page."""
    page.goto(f"{url}/Draw")
    page.get_by_text("A number").click()
    page.get_by_role("heading", name="Write a number").wait_for()
    for points in NUMBER:
        stroke(page, points)
    page.get_by_text("Number: 4107").wait_for()
    tall_shot(page, DOCS / "draw_number.png", height=1000, below=page.get_by_role("heading", name="Write a number"))
    page.get_by_role("button", name="Download").click()
    page.get_by_role("button", name="ONNX (.onnx)").wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=DOCS / "draw_download.png", clip={"x": MAIN_LEFT, "y": 150, "width": 1060, "height": 330})
    page.keyboard.press("Escape")
    page.goto(f"{url}/Photo")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(DOCS / "photo_number.jpg")
    page.get_by_text("Number:").wait_for()
    tall_shot(page, DOCS / "photo_number.png", height=1100)


def phone(page, url: str) -> None:
    """Draw on a phone: a 4 drawn by touch, the canvas's top scrolled to the toolbar; then a number."""
    draw_on_draw_page(page, url, FOUR, "Prediction: 4", touch_stroke)
    toolbar = page.locator("[data-testid=stHeader]").bounding_box()
    page.evaluate(f"() => document.querySelector('[data-testid=stMain]').scrollBy(0, "
                  f"{page.locator('canvas.upper-canvas').bounding_box()['y'] - toolbar['y'] - toolbar['height']})")
    page.wait_for_timeout(1500)
    page.screenshot(path=DOCS / "phone_draw.png")
    page.get_by_text("A number").click()
    page.get_by_role("heading", name="Write a number").wait_for()
    for points in NUMBER:
        touch_stroke(page, points, canvas_width=700)
    page.get_by_text("Number: 4107").wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=DOCS / "phone_number.png")


def keep_and_finetune(page, url: str) -> None:
    """Keep six drawings, fine-tune the bundled model on them, and compare it with the run."""
    page.goto(f"{url}/Draw")
    page.locator("canvas.upper-canvas").wait_for()
    for digit, strokes in KEEP:
        page.get_by_role("button", name="Reset canvas & history").click()
        for points in strokes:
            stroke(page, points)
        page.get_by_role("button", name=f"Right: keep as a {digit}").click()
        page.get_by_text(f"Kept as a {digit}").last.wait_for()
    page.get_by_text("Compare with a second model").click()
    page.get_by_label("Second model", exact=True).click()
    page.get_by_role("option", name="fast-").first.click()
    page.get_by_text("conv2 · 64 × 14 × 14").wait_for()
    tall_shot(page, DOCS / "compare.png", below=page.get_by_text("Compare with a second model"), height=480)
    page.goto(f"{url}/My_digits")
    page.get_by_role("button", name="Fine-tune").click()
    page.get_by_text("Saved as the run").wait_for(timeout=300_000)
    tall_shot(page, DOCS / "my_digits.png", height=1100)


def photo(page, url: str) -> None:
    page.goto(f"{url}/Photo")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(DOCS / "photo_digit.jpg")
    page.get_by_role("heading", name="What the model sees").wait_for()
    tall_shot(page, DOCS / "photo.png", height=1350)


def tall_shot(page, path: Path, height: int, below=None) -> None:
    """`height` px of the page, from the element `below` (or the top of the main area), with
    the window tall enough to show all of it."""
    page.wait_for_timeout(1500)
    page.set_viewport_size(TALL)
    page.wait_for_timeout(1000)
    top = below.bounding_box()["y"] - 12 if below else 0
    page.screenshot(path=path, clip={"x": MAIN_LEFT, "y": top, "width": 1060, "height": height})
    page.set_viewport_size(WIDE)


def evaluate(page, url: str) -> None:
    page.goto(f"{url}/Evaluate")
    page.get_by_text("Most confused").wait_for()
    page.get_by_role("heading", name="Inside the network").wait_for()
    top_and_sections(page, DOCS / "evaluate.png", [("Mistakes", "Why this digit", "evaluate_mistakes.png")])


def dark_theme(page, url: str) -> None:
    """Train (while a run trains, then stopped), Draw and Evaluate in the dark theme."""
    page.goto(f"{url}/Train")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_function("/Step [2-9]\\d\\d of/.test(document.body.innerText)")
    page.wait_for_timeout(1500)
    page.screenshot(path=DOCS / "dark_train.png", full_page=True)
    page.get_by_role("button", name="Stop").click()
    page.goto(f"{url}/Draw")
    page.locator("canvas.upper-canvas").wait_for()
    for points in SMALL_FOUR:
        stroke(page, points)
    page.get_by_text("conv2 · 64 × 14 × 14").wait_for()
    tall_shot(page, DOCS / "dark_draw.png", height=1000)
    page.goto(f"{url}/Evaluate")
    page.get_by_text("Most confused").wait_for()
    tall_shot(page, DOCS / "dark_evaluate.png", height=1000)


def network_and_controls(page, url: str) -> None:
    """The Network section with a designed network (network.png), then that network training with
    the tutorial recipe, paused after a learning-rate change, and stepped (train_paused.png)."""
    page.goto(f"{url}/Train")
    page.get_by_text("tutorial", exact=True).click()
    page.get_by_text("Network: tutorial").click()
    page.get_by_role("radiogroup", name="Conv blocks").get_by_role("radio", name="3").click()
    page.get_by_role("radiogroup", name="Kernel size").get_by_role("radio", name="3×3").click()
    page.get_by_text("Batch normalisation").click()
    page.get_by_text("per epoch** here").or_(page.get_by_text("per epoch here")).first.wait_for()
    page.wait_for_timeout(1500)
    expander = page.locator('[data-testid="stExpander"]').filter(has_text="Network: custom")
    expander.screenshot(path=DOCS / "network.png")
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("Network: custom").click()  # closed again: the run is what to look at now
    page.wait_for_function("/Step [2-9]\\d\\d of/.test(document.body.innerText)")
    page.get_by_label("Learning rate from the next step").fill("0.05")
    page.get_by_role("button", name="Change").click()
    page.wait_for_function("/Step [4-9]\\d\\d of/.test(document.body.innerText)")
    page.get_by_role("button", name="Pause").click()
    page.get_by_text("paused").first.wait_for()
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
        page.wait_for_timeout(700)
    page.mouse.move(0, 0)  # no tooltip over the picture
    tall_shot(page, DOCS / "train_paused.png", height=800, below=page.get_by_text("Network: custom"))
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped.").wait_for()


def compare_kernels(page, url: str) -> None:
    """The fast recipe with 3x3 kernels against the tutorial's 5x5, on seconds of training."""
    names = [train_in_background(make_config("fast", network=ModelConfig(kernel_size=k)), f"kernel{k}x{k}")
             for k in (3, 5)]
    page.goto(f"{url}/Compare?runs={','.join(names)}&x=seconds")
    page.get_by_text("Training loss").first.wait_for()
    page.mouse.move(0, 0)
    tall_shot(page, DOCS / "compare_runs.png", height=1000, below=page.get_by_role("heading", name="Compare runs"))


def layers(page, url: str) -> None:
    """A finished run of the fast recipe, its Layer by layer section open (train_layers.png)."""
    train_in_background(make_config("fast"), "fast")
    page.goto(f"{url}/Train")
    page.get_by_text(re.compile(r"Saved runs \(1\)")).click()
    page.get_by_text("Layer by layer").click()
    page.locator('svg[aria-label="Gradient norm"]').wait_for()
    page.mouse.move(0, 0)
    tall_shot(page, DOCS / "train_layers.png", height=700, below=page.get_by_text("Layer by layer"))


def train_in_background(config, label: str) -> str:
    """Train as the Train page does (a child process, a run folder with its record); the run's name."""
    registry = Registry()
    job, _ = registry.start(config, label)
    job.join()
    return job.name


def main():
    if sys.argv[1:] == ["network"]:
        return only(network_and_controls)
    if sys.argv[1:] == ["compare"]:
        return only(compare_kernels)
    if sys.argv[1:] == ["layers"]:
        return only(layers)
    if sys.argv[1:] == ["draw"]:
        return only(draw)
    if sys.argv[1:] == ["number"]:
        return only(number)
    if sys.argv[1:] == ["phone"]:
        return only(phone, device="Pixel 5")
    if sys.argv[1:] == ["dark"]:
        os.environ["STREAMLIT_THEME_BASE"] = "dark"  # the server started by only() inherits it
        return only(dark_theme)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=WIDE)
        page.set_default_timeout(120_000)
        env = {"CNN_RUNS_DIR": str(Path(tmp) / "runs")}
        with streamlit_server("app.py", env, Path(tmp) / "server.log") as url:
            home_and_train(page, url)
            draw(page, url)  # while the run trains
            evaluate(page, url)
            page.goto(f"{url}/Train")
            filter_history(page)
            keep_and_finetune(page, url)
            photo(page, url)
            network_and_controls(page, url)
        dark = {**env, "STREAMLIT_THEME_BASE": "dark"}
        with streamlit_server("app.py", dark, Path(tmp) / "dark.log") as url:
            dark_theme(page, url)
        browser.close()
    print("saved", *sorted(DOCS.glob("*.png")))


def only(take, device: str | None = None) -> None:
    """Take one group of screenshots on a fresh server, in a desktop window or as Playwright's `device`."""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
        page = browser.new_page(**p.devices[device]) if device else browser.new_page(viewport=WIDE)
        page.set_default_timeout(120_000)
        runs = str(Path(tmp) / "runs")
        os.environ["CNN_RUNS_DIR"] = runs  # for runs trained here too
        with streamlit_server("app.py", {"CNN_RUNS_DIR": runs}, Path(tmp) / "server.log") as url:
            take(page, url)
        browser.close()


if __name__ == "__main__":
    main()
