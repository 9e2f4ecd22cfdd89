"""How long starting, pausing and resuming a run take, as the Train page does them (a TrainingJob in
its child process, the default preset on the full MNIST): from Start to the run's first step reported
(runs one after another from one Registry, as on one server), from Pause to the run reported paused,
from Resume to its next step reported, and from Step to that one step reported. Five of each, in one run.

    CNN_DATA_DIR=../shared/data python -m bench.bench_control [--times 5]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import setup
from cnn.job import Registry, TrainingJob
from cnn.train import make_config


def seconds_until(condition, limit: float = 60) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > limit:
            raise TimeoutError("no answer from the run")
        time.sleep(0.005)
    return time.perf_counter() - start


def start_seconds(times: int) -> list[float]:
    """From Start to the first step reported, for `times` short runs one after another (the first
    also waits for the fork server it starts, where there is one)."""
    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry(tmp)
        for _ in range(times):
            start = time.perf_counter()
            job, _ = registry.start(make_config("fast", max_steps=3))
            seconds_until(lambda job=job: job.snapshot().metrics.steps > 0, limit=120)
            seconds.append(time.perf_counter() - start)
            job.join(120)
    return seconds


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--times", type=int, default=5)
    args = p.parse_args()
    setup()
    started = start_seconds(args.times)
    print(f"start  first {started[0] * 1000:6.0f} ms, then median {statistics.median(started[1:]) * 1000:6.0f} ms, "
          f"worst {max(started[1:]) * 1000:6.0f} ms")
    timings = {"pause": [], "step": [], "resume": []}
    with tempfile.TemporaryDirectory() as tmp:
        job = TrainingJob(make_config("fast", epochs=5), Path(tmp) / "run")
        job.start()

        def steps() -> int:
            return job.snapshot().metrics.steps

        seconds_until(lambda: steps() > 20, limit=120)
        for _ in range(args.times):
            job.pause()
            timings["pause"].append(seconds_until(lambda: job.snapshot().paused))
            held = steps()
            job.step()
            timings["step"].append(seconds_until(lambda held=held: steps() == held + 1))
            job.resume()
            timings["resume"].append(seconds_until(lambda held=held: steps() > held + 1))
            time.sleep(0.5)
        job.stop()
        job.join(120)
    for name, values in timings.items():
        print(f"{name:6s} median {statistics.median(values) * 1000:6.0f} ms, worst {max(values) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
