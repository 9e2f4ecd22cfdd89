"""The default preset's whole epoch in float32 with subnormals flushed (as the trainer does) and
without, in alternating fresh processes: images/s over the epoch, over its steps from LATE on (where
Adam's moments for weights that get no gradient have turned subnormal), and the test accuracy.

Each run is a process of its own because the setting is per thread, and torch's threads inherit it
only when they are created: a run without flushing leaves threads that a later run cannot change.

    CNN_DATA_DIR=../shared/data python -m bench.bench_subnormals [--pairs 2]
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

from bench.common import setup

LATE = 600  # from this step on (of 938), fc1's first moments are largely subnormal without flushing


def one_epoch(flush: bool) -> dict:
    """Train the default preset's epoch here; images/s over all of it and after step LATE."""
    import cnn.train

    if not flush:
        cnn.train.flush_subnormals = lambda: None
    config = cnn.train.make_config("fast", precision="fp32")
    marks = {}

    def on_event(event):
        if event.kind == "step" and event.step in (LATE, event.total_steps):
            marks[event.step] = time.perf_counter()

    result = cnn.train.train(config, on_event)
    last = result.metrics.steps
    late = (last - LATE) * config.batch_size / (marks[last] - marks[LATE])
    return {"epoch": result.metrics.images_per_sec, "late": late, "acc": result.metrics.test_acc}


def run_in_a_fresh_process(flush: bool) -> dict:
    command = [sys.executable, "-m", "bench.bench_subnormals", "--one", "flush" if flush else "keep"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pairs", type=int, default=2, help="runs of each, alternating")
    p.add_argument("--one", choices=("flush", "keep"), help=argparse.SUPPRESS)  # one run, in this process
    args = p.parse_args()
    setup()
    if args.one:
        print(json.dumps(one_epoch(args.one == "flush")))
        return
    results = {"kept": [], "flushed": []}
    for i in range(args.pairs):
        for name in results:
            results[name].append(run_in_a_fresh_process(name == "flushed"))
            r = results[name][-1]
            print(f"pair {i + 1}, subnormals {name}: epoch {r['epoch']:,.0f} images/s, steps {LATE}+ "
                  f"{r['late']:,.0f} images/s, test accuracy {r['acc']:.4f}", flush=True)
    ratio = {k: statistics.median(r[k] for r in results["flushed"]) / statistics.median(r[k] for r in results["kept"])
             for k in ("epoch", "late")}
    print(f"flushed / kept, median over {args.pairs} pairs: epoch {ratio['epoch']:.2f}x, "
          f"steps {LATE}+ {ratio['late']:.2f}x")


if __name__ == "__main__":
    main()
