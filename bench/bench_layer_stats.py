"""What recording each layer's weights and gradients costs a run: the time the trainer spends in
its layer statistics (norms and histograms at the start and at every evaluation) against the
whole run, both measured in the same run of the default preset on the full MNIST, in float32.

    CNN_DATA_DIR=../shared/data python -m bench.bench_layer_stats
"""
import time

from bench.common import setup
from cnn import train as trainer
from cnn.train import make_config, train


def main():
    setup()
    spent = []
    measure = trainer._Run._layer_stats

    def timed(run):
        start = time.perf_counter()
        stats = measure(run)
        spent.append(time.perf_counter() - start)
        return stats

    trainer._Run._layer_stats = timed  # the trainer's own method, timed where it is called
    result = train(make_config("fast", precision="fp32"))
    print(f"{result.metrics.steps} steps in {result.metrics.seconds:.1f} s; layer statistics {len(spent)} times, "
          f"{sum(spent) * 1000:.0f} ms in all: {sum(spent) / result.metrics.seconds:.2%} of the run")


if __name__ == "__main__":
    main()
