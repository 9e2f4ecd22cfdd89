"""How long the Compare runs page takes with six runs of 10 epochs each (9,380 steps at batch 64):
reading six records, smoothing and thinning six long loss curves, drawing both charts and the table.

Six fake but realistic runs (support/fake_runs.py) in a temporary CNN_RUNS_DIR; the page is run in
Streamlit's AppTest (the whole script, as the server runs it, less the browser) once to warm up,
then timed over --rounds runs; beside it, the same page with no runs chosen, as the fixed cost of
any page run (page set-up, the sidebar, listing the runs folder).

    python -m bench.bench_compare [--rounds 5]
"""
import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cnn.model import ModelConfig
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
    six_ms, none_ms = statistics.median(six) * 1e3, statistics.median(none) * 1e3
    print(f"Compare page, six runs of 9,380 steps: median {six_ms:.0f} ms over {args.rounds} runs "
          f"(each: {', '.join(f'{t * 1e3:.0f}' for t in six)} ms)")
    print(f"the same page with no runs chosen: median {none_ms:.0f} ms; six runs cost {six_ms / none_ms:.1f}x that")


if __name__ == "__main__":
    main()
