"""Screenshots of the real app for the README: docs/home.png, docs/train.png, docs/draw.png.

    CNN_DATA_DIR=../shared/data python docs/take_screenshots.py
Starts the app on a free port with an empty runs folder, runs the "fast" preset for a while
on the Train page, draws a 4 on the Draw page, and saves what headless Chromium shows.
"""
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM_FLAGS, chromium_or_skip, stroke, streamlit_server  # noqa: E402

DOCS = Path(__file__).parent
FOUR = [[(170, 40), (75, 170), (200, 170)], [(165, 110), (165, 250)]]


def main():
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        env = {"CNN_RUNS_DIR": str(Path(tmp) / "runs")}
        with streamlit_server("app.py", env, Path(tmp) / "server.log") as url:
            browser = p.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(url)
            page.get_by_text("MNIST test accuracy").wait_for()
            page.screenshot(path=DOCS / "home.png")

            page.goto(f"{url}/Train")
            page.get_by_role("button", name="Start training").click()
            page.wait_for_function("document.body.innerText.includes('step 300 of') || "
                                   "/Step [3-9]\\d\\d of/.test(document.body.innerText)")
            page.wait_for_timeout(1500)
            page.screenshot(path=DOCS / "train.png", full_page=True)

            page.goto(f"{url}/Draw")
            page.locator("canvas.upper-canvas").wait_for()
            for points in FOUR:
                stroke(page, [(x, y) for x, y in points])
            page.get_by_text("Prediction:").wait_for()
            page.wait_for_timeout(1000)
            page.screenshot(path=DOCS / "draw.png", full_page=True)
            page.goto(f"{url}/Train")
            page.get_by_role("button", name="Stop").click()
            browser.close()
    print("saved", *(DOCS / n for n in ("home.png", "train.png", "draw.png")))


if __name__ == "__main__":
    main()
