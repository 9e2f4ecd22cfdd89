"""What each filter looks for, timed: cnn.filters on the bundled model.

top_patches over MNIST's 10,000 test images for conv1 and conv2 (the UI caches it per model), and
synthesise for 8 channels of each layer: its time per channel (median and worst) and how far the
synthesised input raises the channel objective (the mean of the channel's map) over the mean test
image's, and over its mean across the test images (median ratios).

    CNN_DATA_DIR=../shared/data python -m bench.bench_filters
"""
import time

import numpy as np
import torch

from bench.common import bundled_model_and_test_set
from cnn.filters import conv_maps, synthesise, top_patches

LAYERS = ("conv1", "conv2")
CHANNELS = 8  # per layer, evenly spaced


def channel_objectives(model, images: torch.Tensor, layer: str) -> torch.Tensor:
    """(N, C): the mean of each channel's map for each image, 1,000 images at a time."""
    with torch.inference_mode():
        return torch.cat([conv_maps(model, images[i : i + 1000], layer).mean((2, 3))
                          for i in range(0, len(images), 1000)])


def main():
    model, test = bundled_model_and_test_set()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for layer in LAYERS:
        start = time.perf_counter()
        top = top_patches(model, test.images, layer)
        print(f"top_patches {layer}, {len(test)} images: {time.perf_counter() - start:.2f} s "
              f"-> patches {tuple(top.patches.shape)}")
    for layer in LAYERS:
        of_mean_image = channel_objectives(model, test.images.mean(0, keepdim=True), layer)[0]  # (C,)
        mean_over_images = channel_objectives(model, test.images, layer).mean(0)  # (C,)
        channels = np.linspace(0, len(of_mean_image) - 1, CHANNELS).round().astype(int)
        seconds, raised = [], []
        for channel in channels:
            start = time.perf_counter()
            picture = synthesise(model, layer, int(channel))
            seconds.append(time.perf_counter() - start)
            raised.append(float(channel_objectives(model, torch.from_numpy(picture)[None, None], layer)[0, channel]))
        raised = torch.tensor(raised)
        over_mean_image = (raised / of_mean_image[channels]).numpy()  # inf where the mean image leaves it silent
        over_images = (raised / mean_over_images[channels]).numpy()
        print(f"synthesise {layer}, channels {channels.tolist()}: median {np.median(seconds) * 1000:.0f} ms, "
              f"worst {max(seconds) * 1000:.0f} ms a channel; objective vs the mean test image's: median "
              f"{np.median(over_mean_image):.0f}x, vs its mean over the test images: median "
              f"{np.median(over_images):.1f}x")


if __name__ == "__main__":
    main()
