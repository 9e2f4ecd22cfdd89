import pytest
import torch

from cnn.model import LAYERS, ModelConfig, Net

SHAPES = {"conv1": (32, 28, 28), "pool1": (32, 14, 14), "conv2": (64, 14, 14), "pool2": (64, 7, 7),
          "fc1": (1024,), "logits": (10,)}


def test_every_activation_has_the_tutorial_shape():
    acts = Net().eval().forward_all(torch.rand(3, 1, 28, 28))
    assert tuple(acts) == LAYERS
    for name, shape in SHAPES.items():
        assert acts[name].shape == (3, *shape), name


def test_forward_gives_the_same_logits_as_forward_all():
    # forward pools before the ReLU for speed; that must not change the result.
    torch.manual_seed(0)
    model, x = Net().eval(), torch.rand(5, 1, 28, 28)
    torch.testing.assert_close(model(x), model.forward_all(x)["logits"])


def test_layers_match_the_tutorial():
    m = Net()
    assert (m.conv1.in_channels, m.conv1.out_channels, m.conv1.kernel_size, m.conv1.padding) == (1, 32, (5, 5), (2, 2))
    assert (m.conv2.out_channels, m.conv2.kernel_size) == (64, (5, 5))
    assert (m.fc1.in_features, m.fc1.out_features, m.fc2.out_features) == (7 * 7 * 64, 1024, 10)
    assert m.drop.p == 0.4
    assert sum(p.numel() for p in m.parameters()) == 832 + 51_264 + 3_212_288 + 10_250


def test_dropout_is_active_only_in_training():
    torch.manual_seed(0)
    model, x = Net(), torch.rand(2, 1, 28, 28)
    assert not torch.equal(model.train()(x), model(x))
    torch.testing.assert_close(model.eval()(x), model(x))


@pytest.mark.parametrize("config", [ModelConfig(conv1_channels=8, conv2_channels=16, fc1_units=64)])
def test_config_builds_a_smaller_network(config):
    acts = Net(config).forward_all(torch.rand(1, 1, 28, 28))
    assert acts["conv1"].shape[1] == 8 and acts["pool2"].shape[1] == 16 and acts["fc1"].shape[1] == 64
