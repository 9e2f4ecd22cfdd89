"""What fine-tuning on "my digits" does, measured on a handwriting the model has never seen.

The user's drawings are stood in for by MNIST test digits turned a quarter-turn (the model
reads almost none of them), of which a fifth are held out. The bundled model is fine-tuned
on the rest, mixed with MNIST's training images, as the My digits page does it.

    CNN_DATA_DIR=../shared/data python -m bench.bench_finetune [--n 200]
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import cnn
from bench.common import bundled_model_and_test_set
from cnn.finetune import FineTune, finetune, finetune_config


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=200)
    args = p.parse_args()
    _, test = bundled_model_and_test_set()
    turned = np.rot90(test.images[-args.n:, 0].numpy(), 1, axes=(1, 2)).copy()  # not the first ones: see tests
    tune = FineTune(cnn.BUNDLED_MODEL, turned, test.labels[-args.n:].numpy())
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result, r = finetune(tune, finetune_config(), out=Path(tmp) / "model.pt")
    print(f"{r['drawings']} turned digits, {r['held_out']} held out; {result.metrics.steps} steps in "
          f"{time.perf_counter() - started:.1f} s")
    print(f"  held-out drawings: {r['mine_before']:.1%} -> {r['mine_after']:.1%}")
    print(f"  MNIST test set:    {r['mnist_before']:.2%} -> {r['mnist_after']:.2%}")


if __name__ == "__main__":
    main()
