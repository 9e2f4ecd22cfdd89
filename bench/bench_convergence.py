"""Wall time and epochs for the default preset to reach 99.0% on the 10,000 MNIST test images.

The run is the default preset exactly (one epoch), in float32 unless --precision says otherwise;
the full test set is evaluated every EVAL_EVERY steps, and evaluation time is reported apart
from training time.

    CNN_DATA_DIR=../shared/data python -m bench.bench_convergence [--target 0.99] [--seeds 0 1 2] [--precision fp32]
"""
import argparse
import time

from bench.common import setup
from cnn.train import make_config, train

EVAL_EVERY = 94  # ten evaluations in the 938-step epoch (batch 64)


def run(seed: int, target: float, precision: str) -> None:
    start = time.perf_counter()
    evals, reached = [], None

    def on_event(event):
        nonlocal reached
        if event.kind in ("eval", "end") and event.test_acc is not None:
            evals.append((event.step, event.test_acc))
            if reached is None and event.test_acc >= target:
                seconds = time.perf_counter() - start
                reached = (event.step, event.epoch, seconds, event.images_per_sec)

    config = make_config("fast", seed=seed, eval_every=EVAL_EVERY, eval_subset=10_000, precision=precision)
    result = train(config, on_event)
    curve = " ".join(f"{step}:{acc:.4f}" for step, acc in evals)
    print(f"seed {seed}: final test_acc {result.metrics.test_acc:.4f} after {result.metrics.epochs} epoch(s); "
          f"curve (step:acc) {curve}")
    if reached:
        step, epoch, seconds, ips = reached
        train_seconds = step * config.batch_size / ips
        print(f"  reached {target:.1%} at step {step} = {epoch:.2f} epochs, {seconds:.1f} s wall from start "
              f"(data loading and evaluations included), {train_seconds:.1f} s of training")
    else:
        print(f"  did not reach {target:.1%}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", type=float, default=0.99)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--precision", default="fp32", help="fp32 (default), auto or bf16")
    args = p.parse_args()
    setup()
    for seed in args.seeds:
        run(seed, args.target, args.precision)


if __name__ == "__main__":
    main()
