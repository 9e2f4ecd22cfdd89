"""What each filter looks for: receptive fields against the network's own dependencies, top
patches against a brute-force ranking, synthesised inputs against real digits, and the
strongest channels against forward_all."""
import numpy as np
import pytest
import torch

from cnn.filters import conv_maps, receptive_field, strongest_channels, synthesise, top_patches
from cnn.model import ModelConfig, Net

# Every geometry a network can have: 1 to 3 blocks, kernels 3, 5 and 7 (channel counts do not matter).
GEOMETRIES = [ModelConfig(channels=(2,) * blocks, kernel_size=k, dense=0, batchnorm=blocks == 2)
              for blocks in (1, 2, 3) for k in (3, 5, 7)]


@pytest.fixture(scope="module")
def test_images(mnist_small) -> torch.Tensor:
    return mnist_small[1].images  # (1000, 1, 28, 28) in [0, 1]


@pytest.fixture(scope="module")
def deep_net() -> Net:
    torch.manual_seed(0)
    return Net(ModelConfig(channels=(8, 16, 16), kernel_size=3, dense=0, batchnorm=True)).eval()


def hot_pixel_reference(config: ModelConfig, layer: str) -> np.ndarray:
    """(H, W, 28, 28) bool: which input pixels change the unit at each position of `layer`.

    The gradient would not do: max-pool passes it to one input of each 2x2 window. Instead, with
    every weight positive, one very bright pixel wins every pool window it reaches, so it raises
    exactly the units that can see it; double precision keeps the others bit-identical."""
    torch.manual_seed(0)
    net = Net(config).double().eval()
    for p in net.parameters():
        p.data.uniform_(0.1, 1.0)
    hot = torch.zeros(1 + 784, 1, 28, 28, dtype=torch.float64)  # a blank image, then one per hot pixel
    hot[1:].view(784, 784)[torch.arange(784), torch.arange(784)] = 1000.0
    with torch.no_grad():
        acts = net.forward_all(hot)[layer][:, 0]  # (785, H, W): channel 0
    changed = (acts[1:] - acts[0]).abs() > 1e-6  # (784, H, W)
    return changed.permute(1, 2, 0).reshape(*acts.shape[1:], 28, 28).numpy()


def window_mask(top: int, left: int, size: int) -> np.ndarray:
    mask = np.zeros((28, 28), bool)
    mask[max(top, 0) : max(top + size, 0), max(left, 0) : max(left + size, 0)] = True
    return mask


@pytest.mark.parametrize("config", GEOMETRIES, ids=lambda c: f"{len(c.channels)}blocks-k{c.kernel_size}")
def test_the_receptive_field_is_exactly_the_pixels_a_unit_depends_on(config):
    for layer in (name for name in config.spatial_layers if name.startswith("conv")):
        reference = hot_pixel_reference(config, layer)
        for row in range(reference.shape[0]):
            for col in range(reference.shape[1]):
                expected = window_mask(*receptive_field(config, layer, row, col))
                assert (reference[row, col] == expected).all(), (layer, row, col)


def test_the_tutorial_networks_windows_are_5_and_14_pixels_wide():
    config = ModelConfig()
    assert receptive_field(config, "conv1", 0, 0) == (-2, -2, 5)
    assert receptive_field(config, "conv1", 10, 27) == (8, 25, 5)
    # conv2's unit: 5x5 pool1 units, each 2x2 conv1 units -> 10x10, each seeing 5x5 pixels -> 14x14.
    assert receptive_field(config, "conv2", 3, 4) == (0, 2, 14)
    assert receptive_field(config, "conv2", 13, 13) == (20, 20, 14)  # runs 6 pixels past the edge
    with pytest.raises(ValueError, match="14x14"):
        receptive_field(config, "conv2", 14, 0)
    with pytest.raises(ValueError, match="conv layers"):
        receptive_field(config, "pool1", 0, 0)


def test_conv_maps_agree_with_forward_all(bundled_model, deep_net, test_images):
    for model in (bundled_model, deep_net):
        with torch.inference_mode():
            acts = model.forward_all(test_images[:50])
            for layer in (name for name in model.config.layers if name.startswith("conv")):
                torch.testing.assert_close(conv_maps(model, test_images[:50], layer), acts[layer])


def check_top_patches(model: Net, images: torch.Tensor, layer: str, k: int, batch: int) -> None:
    """top_patches against a brute-force ranking of every image, and its patches against the images."""
    top = top_patches(model, images, layer, k=k, batch=batch)
    with torch.inference_mode():
        maps = model.forward_all(images)[layer]  # (N, C, H, W)
    peaks = maps.flatten(2).amax(2).T.numpy()  # (C, N): each image's strongest response, per channel
    channels = np.arange(len(peaks))[:, None]
    assert top.values.shape == top.indices.shape == (len(peaks), k) and top.positions.shape == (len(peaks), k, 2)
    assert (np.diff(top.values, axis=1) <= 0).all()  # strongest first
    assert all(len(set(row)) == k for row in top.indices)  # k different images
    rows, cols = top.positions[..., 0], top.positions[..., 1]
    np.testing.assert_allclose(top.values, maps[top.indices, channels, rows, cols].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(top.values, peaks[channels, top.indices], rtol=1e-5, atol=1e-6)  # the image's max
    np.testing.assert_allclose(top.values, -np.sort(-peaks, axis=1)[:, :k], rtol=1e-5, atol=1e-6)  # the top k
    pictures = images[:, 0].numpy()
    for (c, rank), i in np.ndenumerate(top.indices):
        top_, left, size = receptive_field(model.config, layer, *top.positions[c, rank])
        patch = top.patches[c, rank]
        assert patch.shape == (size, size)
        for y, x in np.ndindex(size, size):  # pixel by pixel: the image inside it, zero outside
            inside = 0 <= top_ + y < 28 and 0 <= left + x < 28
            assert patch[y, x] == (pictures[i, top_ + y, left + x] if inside else 0.0)


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_top_patches_are_the_k_strongest_images_and_their_windows(bundled_model, test_images, layer):
    check_top_patches(bundled_model, test_images, layer, k=4, batch=300)  # 300: the last batch is short


def test_a_deeper_network_with_3x3_kernels_and_batch_norm(deep_net, test_images):
    check_top_patches(deep_net, test_images[:300], "conv3", k=3, batch=128)
    assert receptive_field(deep_net.config, "conv3", 0, 0) == (-7, -7, 18)
    for channel in (0, 7, 12):  # the channels digits excite most, untrained
        picture = torch.from_numpy(synthesise(deep_net, "conv3", channel))[None, None]
        with torch.inference_mode():
            raised = conv_maps(deep_net, picture, "conv3")[0, channel].mean()
            on_digits = conv_maps(deep_net, test_images, "conv3")[:, channel].mean()
        assert raised > 2 * on_digits  # measured: 3.0x to 4.0x


@pytest.fixture(scope="module")
def objectives(bundled_model, test_images):
    """layer -> (channel objective of the mean test image (C,), its mean over the test images (C,))."""
    with torch.inference_mode():
        return {layer: (conv_maps(bundled_model, test_images.mean(0, keepdim=True), layer).mean((2, 3))[0],
                        conv_maps(bundled_model, test_images, layer).mean((0, 2, 3)))
                for layer in ("conv1", "conv2")}


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_every_synthesised_input_excites_its_channel_more_than_digits_do(bundled_model, objectives, layer):
    of_mean_image, mean_over_images = objectives[layer]  # (C,) each
    raised = []
    for channel in range(len(of_mean_image)):
        picture = synthesise(bundled_model, layer, channel)
        assert picture.shape == (28, 28) and picture.dtype == np.float32
        assert picture.min() >= 0 and picture.max() <= 1
        with torch.inference_mode():
            raised.append(conv_maps(bundled_model, torch.from_numpy(picture)[None, None], layer)[0, channel].mean())
    raised = torch.stack(raised)
    # Measured, worst channel: 3.1x (conv1) and 18x (conv2) the mean image's objective, 1.5x and 6.2x its mean
    # over the digits (conv1's worst likes blank paper best: all black); median 8.1x and 25x that mean.
    assert (raised > 2 * of_mean_image).all() and (raised > 1.2 * mean_over_images).all()
    assert (raised / mean_over_images).median() > 5


def test_synthesis_is_deterministic_for_a_seed_and_leaves_the_model_alone(bundled_model):
    first = synthesise(bundled_model, "conv2", 3, seed=1)
    np.testing.assert_array_equal(first, synthesise(bundled_model, "conv2", 3, seed=1))
    assert not np.array_equal(first, synthesise(bundled_model, "conv2", 3, seed=2))
    assert all(p.grad is None for p in bundled_model.parameters())
    with pytest.raises(ValueError, match="channels 0 to 63"):
        synthesise(bundled_model, "conv2", 64)


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_the_strongest_channels_are_those_with_the_highest_peaks(bundled_model, test_images, layer):
    for image in test_images[:5]:
        with torch.inference_mode():
            peaks = bundled_model.forward_all(image[None])[layer][0].amax((1, 2)).numpy()  # (C,)
        strongest = strongest_channels(bundled_model, image[0].numpy(), layer, count=6)
        assert [c for c, _ in strongest] == list(np.argsort(-peaks)[:6])
        np.testing.assert_allclose([v for _, v in strongest], np.sort(peaks)[::-1][:6], rtol=1e-5)


def test_bad_arguments_raise(bundled_model, test_images):
    with pytest.raises(ValueError, match=r"conv layers \(conv1, conv2\)"):
        top_patches(bundled_model, test_images, "fc1")
    with pytest.raises(ValueError, match="k <="):
        top_patches(bundled_model, test_images[:5], "conv1", k=6)
    with pytest.raises(ValueError, match="one \\(28, 28\\) image"):
        strongest_channels(bundled_model, test_images[:2, 0].numpy(), "conv1")
    with pytest.raises(ValueError, match="training mode"):
        synthesise(Net().train(), "conv1", 0)
