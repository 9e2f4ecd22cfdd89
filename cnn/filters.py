"""What each filter looks for: the input window a unit sees, the test images that excite a
channel most, an input synthesised to excite it, and the channels a drawing excites most.

    receptive_field(model.config, "conv2", 3, 4)   # (top, left, size) = (0, 2, 14) on the 28x28 input
    top = top_patches(model, test.images, "conv1")  # .indices, .positions, .values (C, 9), .patches (C, 9, 5, 5)
    picture = synthesise(model, "conv2", 17)        # (28, 28) in [0, 1] that raises channel 17's mean response
    strongest_channels(model, image, "conv1")       # [(channel, its peak response), ...], strongest first
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .model import MNIST_MEAN, MNIST_STD, ModelConfig, Net

STEPS = 48
START, NOISE = 0.2, 0.1  # the first image: faint grey, plus Gaussian noise of this standard deviation
STEP_SIZE = 0.05  # Adam's learning rate: about the most one step moves a pixel
JITTER = 2  # the most pixels the image is rolled by, each way, each step
BLUR_EVERY = 8  # steps
BLUR = torch.tensor([0.25, 0.5, 0.25]).outer(torch.tensor([0.25, 0.5, 0.25]))  # (3, 3) binomial: Gaussian, sigma ~0.7
LEAK = 0.01  # the slope the objective gives silent (negative) positions


def receptive_field(config: ModelConfig, layer: str, row: int, col: int) -> tuple[int, int, int]:
    """(top, left, size) of the square of input pixels that the unit at (row, col) of a conv layer
    sees: 5x5 for the tutorial's conv1, 14x14 for its conv2. "Same" padding lets the window start
    above or left of the image (top < 0) or run past its end: outside the image is zero padding."""
    block = config.block_of(layer)
    side = 28 >> (block - 1)  # the conv layer's map side: 28, 14, 7
    if not (0 <= row < side and 0 <= col < side):
        raise ValueError(f"{layer}'s maps are {side}x{side}; ({row}, {col}) is outside them")
    pad = config.kernel_size // 2
    top, left, size = row, col, 1  # the window in conv{block}'s own coordinates: one unit
    for i in range(block, 0, -1):
        top, left, size = top - pad, left - pad, size + 2 * pad  # back through conv i, onto its input
        if i > 1:
            top, left, size = 2 * top, 2 * left, 2 * size  # back through pool i-1: each unit covers 2x2
    return top, left, size


def conv_maps(model: Net, x: torch.Tensor, layer: str) -> torch.Tensor:
    """forward_all(x)[layer] for a conv layer, running only the blocks up to it: (B, 1, 28, 28) -> (B, C, H, W)."""
    return F.relu(_before_relu(model, x, layer))


def _before_relu(model: Net, x: torch.Tensor, layer: str) -> torch.Tensor:
    """conv_maps without the last ReLU: (B, C, H, W), negative where the channel is silent."""
    block = model.config.block_of(layer)
    x = (x - MNIST_MEAN) / MNIST_STD
    for i in range(1, block):
        x = F.max_pool2d(F.relu(model._block(i, x)), 2)  # (B, 32, 14, 14) after the tutorial's block 1
    return model._block(block, x)


@dataclass(frozen=True)
class TopPatches:
    layer: str
    indices: np.ndarray  # (C, k) int64: the images that excite each channel most, strongest first
    positions: np.ndarray  # (C, k, 2) int64: (row, col) in the layer's map of each image's strongest response
    values: np.ndarray  # (C, k) float32: that response, descending along k
    patches: np.ndarray  # (C, k, size, size) float32 in [0, 1]: the receptive field there, cut from the padded image


def top_patches(model: Net, images, layer: str, k: int = 9, batch: int = 500) -> TopPatches:
    """For every channel of a conv layer, the k images ((N, 28, 28) or (N, 1, 28, 28) in [0, 1])
    whose strongest response anywhere in the channel's map is highest: k different images, each
    ranked by its own best position. Streams `batch` images at a time, keeping only the top k."""
    x = (images if torch.is_tensor(images) else torch.as_tensor(np.asarray(images, np.float32))).reshape(-1, 1, 28, 28)
    if not 1 <= k <= len(x) or batch < 1:
        raise ValueError(f"need 1 <= k <= the {len(x)} images and batch >= 1; got k={k}, batch={batch}")
    block, device = model.config.block_of(layer), _device_of(model)
    values = torch.empty(model.config.channels[block - 1], 0, device=device)
    spots = ids = values.long()  # (C, 0): flat positions in the map and image indices, alongside values
    with torch.inference_mode():
        for start in range(0, len(x), batch):
            peaks, where = conv_maps(model, x[start : start + batch].to(device), layer).flatten(2).max(2)  # (B, C)
            values, spots = torch.cat([values, peaks.T], 1), torch.cat([spots, where.T], 1)  # (C, k + B)
            ids = torch.cat([ids, torch.arange(start, start + len(peaks), device=device).expand_as(where.T)], 1)
            values, order = values.topk(min(k, values.shape[1]), dim=1)  # (C, k), sorted descending
            spots, ids = spots.gather(1, order), ids.gather(1, order)
    side = 28 >> (block - 1)
    positions, indices = torch.stack([spots // side, spots % side], -1).cpu().numpy(), ids.cpu().numpy()  # (C, k, 2)
    chosen = np.unique(indices)  # (M,): only these images are copied and padded
    patches = _cut_patches(model.config, layer, x[chosen, 0].cpu().numpy(), np.searchsorted(chosen, indices), positions)
    return TopPatches(layer, indices, positions, values.cpu().numpy(), patches)


def _cut_patches(config: ModelConfig, layer: str, images: np.ndarray, rows: np.ndarray, positions: np.ndarray):
    """(C, k, size, size) float32: the receptive field at each position, cut from images[rows], zero-padded."""
    size = receptive_field(config, layer, 0, 0)[2]
    padded = np.pad(images, ((0, 0), (size, size), (size, size)))  # wide enough for any window
    patches = np.empty((*rows.shape, size, size), np.float32)
    for (c, rank), row in np.ndenumerate(rows):
        top, left, _ = receptive_field(config, layer, *map(int, positions[c, rank]))
        patches[c, rank] = padded[row, top + size : top + 2 * size, left + size : left + 2 * size]
    return patches


def synthesise(model: Net, layer: str, channel: int, steps: int = STEPS, seed: int = 0) -> np.ndarray:
    """A (28, 28) image in [0, 1] that excites one channel: gradient ascent (Adam) on the mean of
    its map, Feature Visualization's "channel objective" (Olah et al., distill.pub 2017), from faint
    grey noise; each step rolls the image by up to JITTER pixels, every BLUR_EVERY steps it is
    blurred a little, and pixels stay in [0, 1]. The same seed gives the same image."""
    device, channels = _device_of(model), model.config.channels[model.config.block_of(layer) - 1]
    if not 0 <= channel < channels:
        raise ValueError(f"{layer} has channels 0 to {channels - 1}, got {channel}")
    generator = torch.Generator().manual_seed(seed)
    x = (START + NOISE * torch.randn(1, 1, 28, 28, generator=generator)).clamp(0, 1).to(device).requires_grad_()
    shifts = torch.randint(-JITTER, JITTER + 1, (steps, 2), generator=generator).tolist()
    adam = torch.optim.Adam([x], lr=STEP_SIZE)  # per-pixel normalised steps
    for step, shift in enumerate(shifts):
        if step % BLUR_EVERY == 0:
            with torch.no_grad():
                x.copy_(_blur(x))
        with torch.enable_grad():
            response = _before_relu(model, x.roll(shift, (2, 3)), layer)[0, channel]  # (H, W)
            # Through a leaky ReLU, silent positions pull too (a black-loving channel turns the whole image
            # black); while the channel is silent everywhere, its best position's response is raised instead.
            objective = F.leaky_relu(response, LEAK).mean() if response.max() > 0 else response.max()
            (x.grad,) = torch.autograd.grad(-objective, x)  # only x's: the model's own .grad stay untouched
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
    return x.detach()[0, 0].cpu().numpy()


def strongest_channels(model: Net, image, layer: str, count: int = 6) -> list[tuple[int, float]]:
    """The `count` channels of a conv layer that respond most to one (28, 28) image, strongest
    first, with their response: the maximum of the channel's map, not its mean. A filter looks for
    something local (a stroke's end, an edge at one angle); where a drawing has it, it fires strongly
    there, and the mean would drown that in the blank paper around it (top_patches ranks so too)."""
    device = _device_of(model)
    if np.shape(image) != (28, 28):
        raise ValueError(f"strongest_channels takes one (28, 28) image, got shape {np.shape(image)}")
    x = torch.as_tensor(np.asarray(image, np.float32)).reshape(1, 1, 28, 28).to(device)
    with torch.inference_mode():
        peaks = conv_maps(model, x, layer)[0].flatten(1).amax(1)  # (C,)
    values, channels = peaks.topk(min(count, len(peaks)))
    return [(int(c), float(v)) for c, v in zip(channels, values)]


def _blur(x: torch.Tensor) -> torch.Tensor:
    """(1, 1, 28, 28) blurred by BLUR, the edges replicated."""
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), BLUR.to(x)[None, None])


def _device_of(model: Net) -> torch.device:
    """The model's device; ValueError if it is in training mode (dropout, batch statistics)."""
    if model.training:
        raise ValueError("the model is in training mode; call model.eval() first (load_model does)")
    return next(model.parameters()).device
