"""How long the Compare runs page takes with six runs of 10 epochs each (9,380 steps at batch 64):
reading six records, smoothing and thinning six long loss curves, drawing both charts and the table.

Six fake but realistic runs (support/fake_runs.py) in a temporary CNN_RUNS_DIR; the page is run in
Streamlit's AppTest (the whole script, as the server runs it, less the browser) once to warm up,
then timed over --rounds runs; beside it, the same page with no runs chosen, as the fixed cost of
any page run (page set-up, the sidebar, listing the runs folder). Then, in headless Chromium on a
real server, the time from opening the shared link to both charts and the table on screen.

    python -m bench.bench_compare [--rounds 5]
"""
import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from streamlit.testing.v1 import AppTest

from cnn.model import ModelConfig
from support.browser import CHROMIUM_FLAGS, chromium_or_skip, streamlit_server
from support.fake_runs import write_fake_run

APP = Path(__file__).resolve().parents[1] / "app.py"

RUNS = {  # name -> settings: six recipes a user might compare
    "fast-20261129-101500": {},
    "best-20261129-103000": dict(preset="best", batch_size=64, augment=True, images_per_sec=1_500.0),
    "sgd-20261129-104500": dict(optimizer="sgd", lr=0.05, schedule="constant", images_per_sec=2_400.0),
    "small-20261129-110000": dict(network=ModelConfig(channels=(8, 16), kernel_size=3, dense=0),
                                  images_per_sec=9_000.0),
    "seed1-20261129-111500": dict(seed=1),
    "bn-20261129-113000": dict(network=ModelConfig(batchnorm=True), images_per_sec=1_800.0),
}


def page_seconds(at: AppTest, runs: str, rounds: int) -> list[float]:
    """Seconds per run of the Compare page opened at ?runs=<runs>, after one run to warm up."""
    times = []
    for _ in range(rounds + 1):
        at.query_params.clear()
        at.query_params.update({"runs": runs, "x": "images"})
        at.session_state["compare_applied"] = None  # so the page reads the address afresh, as a new visitor
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return times[1:]


def browser_seconds(root: str, runs: str, rounds: int) -> list[float]:
    """Seconds from opening /Compare?runs=<runs> in headless Chromium to both charts and the table
    drawn, after one visit to warm up."""
    times = []
    with sync_playwright() as pw, streamlit_server("app.py", {"CNN_RUNS_DIR": root}, Path(root) / "server.log") as url:
        browser = pw.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for _ in range(rounds + 1):
            start = time.perf_counter()
            page.goto(f"{url}/Compare?runs={runs}&x=images")
            page.locator('svg[aria-label="Test accuracy"]').wait_for()
            page.get_by_text("final test accuracy").wait_for()
            times.append(time.perf_counter() - start)
        browser.close()
    return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        os.environ["CNN_RUNS_DIR"] = root
        for name, settings in RUNS.items():
            write_fake_run(Path(root), name, epochs=10, **{"batch_size": 64, **settings})
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.run()
        at.switch_page("pages/6_Compare.py")
        six = page_seconds(at, ",".join(RUNS), args.rounds)
        assert sum(e.value.startswith("<svg") for e in at.markdown) == 2, "the page did not draw both charts"
        none = page_seconds(at, "", args.rounds)
        shown = browser_seconds(root, ",".join(RUNS), args.rounds)
    six_ms, none_ms = statistics.median(six) * 1e3, statistics.median(none) * 1e3
    print(f"Compare page, six runs of 9,380 steps: median {six_ms:.0f} ms over {args.rounds} runs "
          f"(each: {', '.join(f'{t * 1e3:.0f}' for t in six)} ms)")
    print(f"the same page with no runs chosen: median {none_ms:.0f} ms; six runs cost {six_ms / none_ms:.1f}x that")
    print(f"in headless Chromium, from opening the link to both charts and the table on screen: median "
          f"{statistics.median(shown):.2f} s, worst {max(shown):.2f} s")


if __name__ == "__main__":
    main()
