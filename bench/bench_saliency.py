"""How faithful the Draw page's saliency is: delete the ink a map ranks highest, see the score fall.

For each test digit, the fifth of its ink pixels ranked highest by a map are set to 0 and the
case for the true digit (its logit minus the mean logit) is measured again. A map that finds
the ink the model relies on cuts it more than deleting a random fifth of the ink. Compared:
gradient x input (cnn.explain.saliency, what the app shows) and Grad-CAM on conv2 (upsampled
from 14x14). Also counted: how often the contrast "true digit versus the runner-up" sums to a
positive number, as it must when the model prefers the true digit.

    CNN_DATA_DIR=../shared/data python -m bench.bench_saliency [--n 200]
"""
import argparse

import numpy as np
import torch
import torch.nn.functional as F

from bench.common import bundled_model_and_test_set
from cnn.explain import saliency

DELETE = 0.2  # the share of ink pixels deleted


def grad_cam(model, image, digit, versus=None) -> np.ndarray:
    """Grad-CAM on conv2: channels weighted by their mean gradient, summed, upsampled to 28x28."""
    x = torch.as_tensor(image).reshape(1, 1, 28, 28)
    with torch.enable_grad():
        acts = model.forward_all(x)
        logits = acts["logits"][0]
        against = logits[versus] if versus is not None else logits.mean()
        (grads,) = torch.autograd.grad(logits[digit] - against, acts["conv2"])
    cam = (grads.mean(dim=(2, 3), keepdim=True) * acts["conv2"]).sum(1, keepdim=True).detach()
    return F.interpolate(cam, size=(28, 28), mode="bilinear", align_corners=False)[0, 0].numpy()


def case_for(model, image, digit) -> float:
    with torch.inference_mode():
        logits = model(torch.as_tensor(image).reshape(1, 1, 28, 28))[0]
    return float(logits[digit] - logits.mean())


def without(image, pixels) -> np.ndarray:
    out = image.copy().ravel()
    out[pixels] = 0.0
    return out.reshape(image.shape)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=200)
    args = p.parse_args()
    model, test = bundled_model_and_test_set()
    rng = np.random.default_rng(0)
    methods = {"gradient x input": lambda *a: saliency(model, *a),
               "Grad-CAM (conv2)": lambda *a: grad_cam(model, *a)}
    drops = {name: [] for name in [*methods, "random ink"]}
    right_sign = {name: 0 for name in methods}
    for image, label in zip(test.images[: args.n, 0].numpy(), test.labels[: args.n].tolist()):
        ink = np.flatnonzero(image.ravel() > 0.1)
        k = max(1, int(len(ink) * DELETE))
        before = case_for(model, image, label)
        drops["random ink"].append(before - case_for(model, without(image, rng.choice(ink, k, replace=False)), label))
        with torch.inference_mode():
            runner_up = int(torch.argsort(model(torch.as_tensor(image).reshape(1, 1, 28, 28))[0])[-2])
        for name, explain in methods.items():
            ranked = ink[np.argsort(-explain(image, label).ravel()[ink])[:k]]
            drops[name].append(before - case_for(model, without(image, ranked), label))
            right_sign[name] += float(explain(image, label, runner_up).sum()) > 0
    print(f"{args.n} MNIST test digits; deleting {DELETE:.0%} of each one's ink pixels")
    for name, values in drops.items():
        ratio = np.mean(values) / np.mean(drops["random ink"])
        sign = (f", contrast with the runner-up positive for {right_sign[name]} of {args.n}"
                if name in right_sign else "")
        print(f"  {name:18s} score drop {np.mean(values):6.2f} ({ratio:.2f}x random){sign}")


if __name__ == "__main__":
    main()
