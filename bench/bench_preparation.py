"""What each preparation step is worth: accuracy on drawn-looking digits when the model is fed
the drawing at each step of MNIST's recipe (cnn.explain.preparation_steps), and naively resized.

    CNN_DATA_DIR=../shared/data python -m bench.bench_preparation [--n 1000]
"""
import argparse

import numpy as np

import cnn
from bench.common import bundled_model_and_test_set
from cnn.explain import preparation_steps
from support.drawn_digits import drawn_set


def step_accuracies(model, canvases, labels) -> dict[str, float]:
    """{step name: share of drawings classified right when fed that step's 28x28}."""
    fed = {}
    for canvas in canvases:
        for step in preparation_steps(cnn.prepare(canvas)):
            if step.model_input is not None:
                fed.setdefault(step.name, []).append(step.model_input)
    return {name: float((cnn.classify(model, np.stack(inputs)).argmax(1) == labels).mean())
            for name, inputs in fed.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1000)
    args = p.parse_args()
    model, test = bundled_model_and_test_set()
    canvases, _ = drawn_set(test.images[: args.n, 0].numpy(), seed=0)
    labels = test.labels[: args.n].numpy()
    print(f"{args.n} drawn-looking digits (support/drawn_digits.py), the bundled model:")
    for name, accuracy in step_accuracies(model, canvases, labels).items():
        print(f"  {name:42s} {accuracy:7.2%}")


if __name__ == "__main__":
    main()
