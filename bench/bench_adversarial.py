"""How easily the model is made to say its runner-up: the bundled model against a plain one.

On the last N MNIST test digits, for each bound (the most any pixel may change), the share that
cnn.adversarial.make_it_say turns into the runner-up class, and the mean L-infinity size of the
changes (never above the bound). Compared: the bundled model (the "best" preset: augmented, 10
epochs) and a plain model trained here with the fast preset, no augmentation, 1 epoch.

    CNN_DATA_DIR=../shared/data python -m bench.bench_adversarial [--n 200]
"""
import argparse
import time

import numpy as np

import cnn
from bench.common import bundled_model_and_test_set
from cnn.adversarial import make_it_say
from cnn.train import make_config, train

BOUNDS = (0.1, 0.2, 0.3)


def fool_all(model, images: np.ndarray, bound: float) -> tuple[float, float]:
    """(share made to say the runner-up, mean L-inf of the changes) over (N, 28, 28) images."""
    runners_up = np.argsort(cnn.classify(model, images), axis=1)[:, -2]  # (N,)
    results = [make_it_say(model, image, int(t), bound) for image, t in zip(images, runners_up)]
    return np.mean([r.succeeded for r in results]), np.mean([np.abs(r.change).max() for r in results])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=200)
    args = p.parse_args()
    bundled, test = bundled_model_and_test_set()
    t0 = time.perf_counter()
    plain = train(make_config("fast", augment=False)).model.eval()
    print(f"plain model trained in {time.perf_counter() - t0:.0f} s")
    images = test.images[-args.n :, 0].numpy()  # (N, 28, 28): the last N of the test split
    models = {"bundled (best: augmented, 10 epochs)": bundled, "plain (fast: no augmentation, 1 epoch)": plain}
    for name, model in models.items():
        accuracy = (cnn.classify(model, images).argmax(1) == test.labels[-args.n :].numpy()).mean()
        print(f"{name}: {accuracy:.1%} right on these {args.n} digits")
    print(f"\nshare of {args.n} test digits made to say their runner-up (mean L-inf of the change)")
    print(f"| bound | {' | '.join(models)} |\n| --- |{' --- |' * len(models)}")
    for bound in BOUNDS:
        cells = [fool_all(model, images, bound) for model in models.values()]
        assert all(size <= bound + 1e-6 for _, size in cells)
        print(f"| {bound:g} | " + " | ".join(f"{share:.1%} ({size:.3f})" for share, size in cells) + " |")


if __name__ == "__main__":
    main()
