import pytest
import torch

from cnn.errors import ConfigError
from cnn.model import LAYERS, ModelConfig, Net, load_state

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
    assert (m.fc1.in_features, m.fc1.out_features, m.logits.out_features) == (7 * 7 * 64, 1024, 10)
    assert m.drop.p == 0.4
    assert sum(p.numel() for p in m.parameters()) == 832 + 51_264 + 3_212_288 + 10_250


def test_dropout_is_active_only_in_training():
    torch.manual_seed(0)
    model, x = Net(), torch.rand(2, 1, 28, 28)
    assert not torch.equal(model.train()(x), model(x))
    torch.testing.assert_close(model.eval()(x), model(x))


@pytest.mark.parametrize("config, shapes", [
    (ModelConfig(channels=(8,), kernel_size=3, dense=0),
     {"conv1": (8, 28, 28), "pool1": (8, 14, 14), "logits": (10,)}),
    (ModelConfig(channels=(8, 16, 24), kernel_size=7, dense=64, batchnorm=True),
     {"conv1": (8, 28, 28), "pool1": (8, 14, 14), "conv2": (16, 14, 14), "pool2": (16, 7, 7), "conv3": (24, 7, 7),
      "pool3": (24, 3, 3), "fc1": (64,), "logits": (10,)}),
])
def test_a_designed_network_has_the_layers_and_shapes_its_config_says(config, shapes):
    model = Net(config).eval()
    acts = model.forward_all(torch.rand(2, 1, 28, 28))
    assert tuple(acts) == config.layers == tuple(shapes)
    assert config.spatial_layers == tuple(k for k in shapes if k[:4] in ("conv", "pool"))
    for name, shape in shapes.items():
        assert acts[name].shape == (2, *shape), name
    assert model.conv1.kernel_size == (config.kernel_size,) * 2
    assert hasattr(model, "bn3") is config.batchnorm and (model.fc1 is None) is (config.dense == 0)
    torch.testing.assert_close(model(torch.ones(2, 1, 28, 28)), model.forward_all(torch.ones(2, 1, 28, 28))["logits"])


def test_batchnorm_normalises_each_channel_while_training():
    torch.manual_seed(0)
    model = Net(ModelConfig(channels=(4,), dense=0, batchnorm=True)).train()
    x = (model.conv1(torch.rand(16, 1, 28, 28) * 5))
    y = model.bn1(x)
    torch.testing.assert_close(y.mean(dim=(0, 2, 3)), torch.zeros(4), atol=1e-5, rtol=0)
    assert model.conv1.bias is None  # the norm's shift does a bias's work


@pytest.mark.parametrize("changes, says", [
    (dict(channels=()), "1 to 3 conv blocks"),
    (dict(channels=(8, 8, 8, 8)), "1 to 3 conv blocks"),
    (dict(channels=(8, 0)), "conv channels"),
    (dict(channels=(8, 300)), "conv channels"),
    (dict(kernel_size=4), "kernel size must be one of 3, 5, 7"),
    (dict(dense=-1), "dense units"),
    (dict(dense=4096), "dense units"),
    (dict(dropout=1.0), "dropout"),
    (dict(batchnorm="yes"), "batch normalisation"),
])
def test_settings_that_cannot_work_are_refused_saying_which(changes, says):
    with pytest.raises(ConfigError, match=says):
        ModelConfig(**changes)


def test_config_round_trips_through_a_dict_and_reads_the_tutorial_only_form():
    config = ModelConfig(channels=[16, 32, 48], kernel_size=3, dense=0, dropout=0.1, batchnorm=True)
    assert ModelConfig.from_dict(config.to_dict()) == config and config.channels == (16, 32, 48)
    old = {"conv1_channels": 32, "conv2_channels": 64, "kernel_size": 5, "fc1_units": 1024, "dropout": 0.4,
           "num_classes": 10}  # what checkpoints stored before networks could be designed
    assert ModelConfig.from_dict(old) == ModelConfig()


def test_state_saved_with_the_old_output_layer_name_loads():
    torch.manual_seed(0)
    source = Net().eval()
    old = {k.replace("logits.", "fc2."): v for k, v in source.state_dict().items()}
    model = Net().eval()
    load_state(model, old)
    x = torch.rand(3, 1, 28, 28)
    torch.testing.assert_close(model(x), source(x))
