"""Helpers shared by the benchmarks: thread settings, the check that MNIST is there, percentiles."""
import os
import sys
from pathlib import Path

import numpy as np
import torch


def setup() -> None:
    torch.set_num_threads(os.cpu_count() or 1)
    if not os.environ.get("CNN_DATA_DIR") and not Path("data/MNIST/raw").is_dir():
        sys.exit("Set CNN_DATA_DIR to the folder holding MNIST/raw/ (e.g. CNN_DATA_DIR=../shared/data).")


def bundled_model_and_test_set():
    """setup(), then the bundled model and MNIST's 10,000 test images."""
    import cnn

    setup()
    return cnn.load_model(), cnn.load_split(train=False, download=False)


def percentiles(samples_ms) -> str:
    p50, p99 = np.percentile(samples_ms, [50, 99])
    return f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (n={len(samples_ms)})"
