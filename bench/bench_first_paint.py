"""A fresh server's first page, as the person who just ran `streamlit run app.py` sees it: from the
server answering its health check to Home's title on screen, and to its active model (which needs
PyTorch imported and the bundled model read). Then, with --pages, each page's first visit after
Home, on a fresh server each: from opening the page's address to its answer on screen (Train's
Start button, Draw's canvas, Evaluate's confusion matrix of the bundled model). Headless Chromium.

    CNN_DATA_DIR=../shared/data python -m bench.bench_first_paint [--rounds 3] [--pages Train Draw Evaluate]
"""
import argparse
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

from support.browser import CHROMIUM_FLAGS, chromium_or_skip, streamlit_server


@contextmanager
def fresh_server(browser, tmp: Path):
    """(a new desktop-sized page, the address of a server started just now) for the block's length."""
    tmp.mkdir()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(90_000)
    with streamlit_server("app.py", {"CNN_RUNS_DIR": str(tmp / "runs")}, tmp / "server.log") as url:
        yield page, url
    page.close()


def first_paint(browser, tmp: Path) -> tuple[float, float]:
    """(seconds to Home's title, seconds to its active model) on a server started just now."""
    with fresh_server(browser, tmp) as (page, url):
        start = time.perf_counter()
        page.goto(url)
        page.get_by_role("heading", name="MNIST CNN, live", level=1).wait_for()  # not the sidebar's
        title = time.perf_counter() - start
        page.get_by_text("Bundled model, MNIST test accuracy").wait_for()
        return title, time.perf_counter() - start


# What says a page has answered: Train can start a run, Draw can be drawn on, Evaluate has evaluated.
READY = {
    "Train": lambda page: page.get_by_role("button", name="Start training").wait_for(),
    "Draw": lambda page: page.locator("canvas.upper-canvas").wait_for(),
    "Evaluate": lambda page: page.get_by_role("heading", name="Confusion matrix").wait_for(),
}
SETTLE = 12  # s after Home: the fork server Home starts imports PyTorch in the background meanwhile


def first_visit(browser, tmp: Path, name: str) -> float:
    """Seconds from opening page `name` to its answer, on a fresh server whose Home was opened first."""
    with fresh_server(browser, tmp) as (page, url):
        page.goto(url)
        page.get_by_text("Bundled model, MNIST test accuracy").wait_for()
        time.sleep(SETTLE)
        start = time.perf_counter()
        page.goto(f"{url}/{name}")
        READY[name](page)
        return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--pages", nargs="*", default=[], choices=list(READY), help="also time these pages' first visits")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
        rounds = [first_paint(browser, Path(tmp) / str(r)) for r in range(args.rounds)]
        visits = {name: [first_visit(browser, Path(tmp) / f"{name}{r}", name) for r in range(args.rounds)]
                  for name in args.pages}
        browser.close()
    for r, (title, model) in enumerate(rounds, 1):
        print(f"round {r}: Home's title {title:.2f} s, its active model {model:.2f} s")
    title, model = (statistics.median(t) for t in zip(*rounds))
    print(f"median of {args.rounds} fresh servers: title on screen after {title:.2f} s, "
          f"active model after {model:.2f} s ({model - title:.2f} s later)")
    for name, seconds in visits.items():
        print(f"{name}, first visit {SETTLE} s after Home: answer after {statistics.median(seconds):.2f} s "
              f"(median of {args.rounds} fresh servers: {', '.join(f'{s:.2f}' for s in seconds)})")


if __name__ == "__main__":
    main()
