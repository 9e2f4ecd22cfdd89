"""Mouse-up to result on screen: the Draw page against a bare page with only the same canvas.

Both run as real Streamlit servers, driven by headless Chromium with real mouse strokes. Each
round resets the canvas, draws a 1, and times from mouse-up until the page shows the result
("Prediction: 1" on Draw, a non-zero "Ink pixels" on the bare page). Rounds alternate between
the two pages, so both meet the same load.

    CNN_DATA_DIR=../shared/data python -m bench.bench_draw_latency [--rounds 30]
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from bench.common import percentiles
from support.browser import CHROMIUM_FLAGS, chromium_or_skip, streamlit_server

ONE = [(140, 50 + 9 * i) for i in range(21)]
DONE = {
    "draw": "document.body.innerText.includes('Prediction: 1 (')",
    "bare": "/Ink pixels: [1-9]/.test(document.body.innerText)",
}
RESET = {
    "draw": "document.body.innerText.includes('Draw a digit on the black canvas')",
    "bare": "document.body.innerText.includes('Ink pixels: 0')",
}


def one_round(page, kind: str) -> float:
    page.get_by_role("button", name="Reset canvas & history").click()
    page.wait_for_function(RESET[kind])
    box = page.locator("canvas.upper-canvas").bounding_box()
    page.mouse.move(box["x"] + ONE[0][0], box["y"] + ONE[0][1])
    page.mouse.down()
    for x, y in ONE[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y)
    t0 = time.perf_counter()
    page.mouse.up()
    page.wait_for_function(DONE[kind], polling="raf")
    return (time.perf_counter() - t0) * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=30)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        env = {"CNN_RUNS_DIR": str(Path(tmp) / "runs")}
        with streamlit_server("app.py", env, Path(tmp) / "app.log") as app_url, \
                streamlit_server("bench/bare_canvas_app.py", env, Path(tmp) / "bare.log") as bare_url:
            browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
            pages = {}
            for kind, url in (("draw", f"{app_url}/Draw"), ("bare", bare_url)):
                pages[kind] = browser.new_page(viewport={"width": 1400, "height": 1000})
                pages[kind].set_default_timeout(60_000)
                pages[kind].goto(url)
                pages[kind].locator("canvas.upper-canvas").wait_for()
                one_round(pages[kind], kind)  # warm-up: model load, first render
            samples = {"draw": [], "bare": []}
            for _ in range(args.rounds):
                for kind in ("bare", "draw"):
                    pages[kind].bring_to_front()
                    samples[kind].append(one_round(pages[kind], kind))
            browser.close()
    for kind in ("bare", "draw"):
        print(f"{kind:5s} mouse-up to result: {percentiles(samples[kind])}")
    gap = np.median(samples["draw"]) - np.median(samples["bare"])
    print(f"Draw page p50 minus bare page p50: {gap:.0f} ms")


if __name__ == "__main__":
    main()
