"""Server time per rerun of the Draw page (a new drawing), the Evaluate page (a cell chosen) and Draw's
"One number, computed" tab (a conv2 channel chosen: its map and its input channels' bars), with
the charts' Vega-Lite specs built once (ui/charts.py) against Altair building and validating each
chart on every rerun, as st.altair_chart would. Rounds alternate between the two, in one process.

Streamlit's AppTest runs the pages here, without a browser: what is timed is the server's work for a
rerun, which every stroke of every person drawing costs, and which bench_draw_latency.py's mouse-up
to answer includes.

    python -m bench.bench_reruns [--rounds 3] [--reruns 20]
"""
import argparse
import logging
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

import cnn
from support import drawn_digits
from support.samples import FIXTURE
from ui import charts

APP = str(Path(__file__).resolve().parents[1] / "app.py")  # as bench_compare.py finds it
WARMUP = 5


@contextmanager
def charts_built_each_time():
    """Each chart built by Altair from its data and validated, as before its spec was kept."""
    kept = charts.filled
    charts.filled = lambda build, rows, **top: build(pd.DataFrame(rows)).properties(**top).to_dict()
    try:
        yield
    finally:
        charts.filled = kept


def rerun_ms(page: str, change, reruns: int) -> float:
    """The median ms of `reruns` reruns of `page`, each after change(app, i), past WARMUP reruns."""
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page(page).run()
    times = []
    for i in range(WARMUP + reruns):
        change(app, i)
        start = time.perf_counter()
        app.run()
        times.append(time.perf_counter() - start)
        assert not app.exception, app.exception
    return statistics.median(times[WARMUP:]) * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reruns", type=int, default=20)
    args = p.parse_args()
    os.environ.update(CNN_DATA_DIR=str(FIXTURE), CNN_RUNS_DIR=tempfile.mkdtemp())
    logging.disable(logging.WARNING)  # AppTest warns on every run
    test = cnn.load_split(False, FIXTURE)
    canvases, _ = drawn_digits.drawn_set(test.images[:20, 0].numpy(), seed=2)

    def draw(app, i):
        app.session_state["draw_image"] = canvases[i % len(canvases)]

    def choose_cell(app, i):
        app.selectbox(key="eval_predicted").set_value(i % 10)

    def pick_channel(app, i):  # Draw's "One number, computed" tab open on conv2, its channel changed
        if i == 0:
            settings = {"draw_image": canvases[0], "draw_section": "One number, computed", "draw_calc_layer": "conv2"}
            for key, value in settings.items():
                app.session_state[key] = value
        else:
            app.slider(key="draw_calc_channel_conv2").set_value(i % 8)

    pages = {"Draw": ("pages/2_Draw.py", draw), "Evaluate": ("pages/3_Evaluate.py", choose_cell),
             "One number": ("pages/2_Draw.py", pick_channel)}
    results = {(name, way): [] for name in pages for way in ("kept", "rebuilt")}
    for r in range(args.rounds):
        for name, (page, change) in pages.items():
            results[name, "kept"].append(rerun_ms(page, change, args.reruns))
            with charts_built_each_time():
                results[name, "rebuilt"].append(rerun_ms(page, change, args.reruns))
        print(f"round {r + 1}: " + ", ".join(f"{n} {w} {v[-1]:.0f} ms" for (n, w), v in results.items()), flush=True)
    for name in pages:
        kept, rebuilt = (np.median(results[name, way]) for way in ("kept", "rebuilt"))
        print(f"{name:10s} rerun: specs kept {kept:.0f} ms, charts rebuilt each time {rebuilt:.0f} ms: "
              f"{rebuilt / kept:.2f}x faster (median of {args.rounds} rounds of {args.reruns} reruns)")


if __name__ == "__main__":
    main()
