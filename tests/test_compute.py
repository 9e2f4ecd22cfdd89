"""One activation by hand: every sum, pool and dense unit rebuilt from the weights equals the value the
model's own forward pass gives, for the tutorial network and for designed ones (batch norm, 3x3, no fc1)."""
import numpy as np
import pytest
import torch

import cnn
from cnn.compute import conv_sum, dense_sum, pool_pick
from cnn.model import MNIST_MEAN, MNIST_STD, ModelConfig, Net


def designed(config: ModelConfig, seed: int = 0) -> Net:
    """A network with random weights, and batch-norm statistics far from the identity."""
    torch.manual_seed(seed)
    model = Net(config)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.3, 0.3)
    return model.eval()


NETWORKS = {
    "tutorial": lambda: cnn.load_model(),
    "3 blocks, 3x3, batch norm, no fc1": lambda: designed(ModelConfig((8, 16, 12), 3, dense=0, batchnorm=True)),
    "1 block, 7x7": lambda: designed(ModelConfig((6,), 7, dense=20)),
}


@pytest.fixture(scope="module")
def image(mnist_small) -> np.ndarray:
    return mnist_small[1].images[0, 0].numpy()  # a 7


def positions(shape, rng, count=12):
    """Random (channel, row, col), the four corners (where the kernel overhangs) among them."""
    c, h, w = shape
    corners = [(0, 0, 0), (c - 1, 0, w - 1), (0, h - 1, 0), (c - 1, h - 1, w - 1)]
    return corners + [tuple(int(rng.integers(n)) for n in shape) for _ in range(count)]


@pytest.mark.parametrize("network", NETWORKS)
def test_every_conv_and_pool_value_is_the_arithmetic_shown(network, image):
    model = NETWORKS[network]()
    maps = cnn.analyze(model, image).maps
    rng = np.random.default_rng(1)
    for layer in model.config.spatial_layers:
        for channel, row, col in positions(maps[layer].shape, rng):
            step = (conv_sum if layer.startswith("conv") else pool_pick)(model, image, layer, channel, row, col)
            assert step.value == pytest.approx(float(maps[layer][channel, row, col]), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("network", NETWORKS)
def test_every_dense_unit_is_its_weighted_sum(network, image):
    model = NETWORKS[network]()
    maps = cnn.analyze(model, image).maps
    for layer in ("fc1", "logits"):
        if layer not in model.config.layers:
            continue
        units = len(maps[layer])
        for unit in {0, units // 2, units - 1}:
            step = dense_sum(model, image, layer, unit)
            assert step.value == pytest.approx(float(maps[layer][unit, 0, 0]), rel=1e-5, abs=1e-5)
            assert step.relu == (layer == "fc1")


def test_conv1_reads_the_standardised_pixels_under_its_kernel_and_pads_with_zeros(bundled_model, image):
    step = conv_sum(bundled_model, image, "conv1", 3, 0, 1)  # top edge: two rows overhang
    assert step.window.shape == step.kernel.shape == (1, 5, 5)
    assert not step.inside[:2].any() and step.inside[2:, 1:].all() and not step.inside[:, 0].any()
    np.testing.assert_array_equal(step.window[0][~step.inside], 0)
    expected = (image[0:3, 0:4] - MNIST_MEAN) / MNIST_STD  # rows 0-2, cols 0-3 of the image
    np.testing.assert_allclose(step.window[0, 2:, 1:], expected, rtol=1e-6)
    np.testing.assert_allclose(step.kernel, bundled_model.conv1.weight[3].double().detach().numpy())


def test_conv2_channel_shares_add_up_and_the_strongest_come_first(bundled_model, image):
    maps = cnn.analyze(bundled_model, image).maps
    channel, row, col = np.unravel_index(maps["conv2"].argmax(), maps["conv2"].shape)  # the strongest response
    step = conv_sum(bundled_model, image, "conv2", int(channel), int(row), int(col))
    assert step.source == "pool1" and step.window.shape == (32, 5, 5)
    np.testing.assert_allclose(step.window, np.pad(maps["pool1"], ((0, 0), (2, 2), (2, 2)))[:, row:row + 5,
                                                                                          col:col + 5], rtol=1e-6)
    assert step.by_channel.sum() == pytest.approx(step.total)
    shares = np.abs(step.by_channel[step.strongest(32)])
    assert (np.diff(shares) <= 0).all() and shares[0] == np.abs(step.by_channel).max()


def test_the_pool_keeps_the_largest_of_its_window(bundled_model, image):
    maps = cnn.analyze(bundled_model, image).maps
    step = pool_pick(bundled_model, image, "pool1", 4, 6, 7)
    np.testing.assert_allclose(step.window, maps["conv1"][4, 12:14, 14:16], rtol=1e-6)
    r, c = step.winner
    assert step.window[r, c] == step.window.max()


def test_dense_inputs_are_named_where_they_come_from(bundled_model, image):
    step = dense_sum(bundled_model, image, "fc1", 5)
    assert step.source == "pool2" and step.inputs.shape == (64 * 7 * 7,)
    assert step.input_name(12 * 49 + 3 * 7 + 4) == "pool2 channel 12 at (3, 4)"
    assert dense_sum(bundled_model, image, "logits", 7).input_name(17) == "fc1 unit 17"
    top = dense_sum(bundled_model, image, "logits", 7).strongest(5)
    products = dense_sum(bundled_model, image, "logits", 7).products
    assert set(top) == set(np.argsort(-np.abs(products))[:5])


@pytest.mark.parametrize("call, message", [
    (lambda m, x: conv_sum(m, x, "conv3", 0, 0, 0), "not one of this network.s conv layers"),
    (lambda m, x: conv_sum(m, x, "pool1", 0, 0, 0), "not one of this network.s conv layers"),
    (lambda m, x: conv_sum(m, x, "conv2", 64, 0, 0), "channels 0-63"),
    (lambda m, x: pool_pick(m, x, "pool2", 0, 7, 0), r"positions \(0-6, 0-6\)"),
    (lambda m, x: dense_sum(m, x, "logits", 10), "units 0 to 9"),
    (lambda m, x: dense_sum(m, x, "conv1", 0), "not a dense layer"),
    (lambda m, x: conv_sum(m, x[:20], "conv1", 0, 0, 0), r"one \(28, 28\) image"),
])
def test_a_unit_that_is_not_there_is_refused_with_the_reason(bundled_model, image, call, message):
    with pytest.raises(ValueError, match=message):
        call(bundled_model, image)
