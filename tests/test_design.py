"""cnn.design against independent references: the real network's parameters and shapes, and
torch's own FLOP counter on a real training step."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from cnn import design
from cnn.errors import ConfigError
from cnn.model import ModelConfig, Net

NETWORKS = [
    ModelConfig(),  # the tutorial's
    ModelConfig(channels=(8,), kernel_size=3, dense=0, dropout=0.0),
    ModelConfig(channels=(16, 32, 64), kernel_size=7, dense=128, batchnorm=True),
    ModelConfig(channels=(4, 8), kernel_size=5, dense=2048),
]


@pytest.mark.parametrize("config", NETWORKS)
def test_the_layer_table_matches_the_real_network(config):
    model = Net(config).eval()
    acts = model.forward_all(torch.rand(1, 1, 28, 28))
    rows = design.layer_table(config)
    assert [r.name for r in rows] == list(acts)
    assert [r.shape for r in rows] == [tuple(a.shape[1:]) for a in acts.values()]
    assert design.parameter_count(config) == sum(p.numel() for p in model.parameters())
    for row in rows:  # each layer's own parameters
        norm = f"bn{row.name[4:]}" if row.name.startswith("conv") else None  # counted with its conv
        modules = [m for name, m in model.named_children() if name in (row.name, norm)]
        assert row.parameters == sum(p.numel() for m in modules for p in m.parameters()), row.name


@pytest.mark.parametrize("config", NETWORKS)
def test_flops_agree_with_torchs_counter_forward_and_for_a_training_step(config):
    model, x = Net(config), torch.rand(4, 1, 28, 28)
    with FlopCounterMode(display=False) as forward:
        model(x)
    assert forward.get_total_flops() == 4 * sum(r.flops for r in design.layer_table(config))
    with FlopCounterMode(display=False) as step:
        F.cross_entropy(model(x), torch.zeros(4, dtype=torch.long)).backward()
    assert step.get_total_flops() == 4 * design.training_flops(config)


def test_the_tutorial_network_costs_what_the_benchmarks_say():
    assert design.parameter_count(ModelConfig()) == 3_274_634
    assert design.training_flops(ModelConfig()) / 1e9 == pytest.approx(0.083, abs=0.002)  # bench/bench_trainer.py


def test_training_memory_grows_with_the_batch_and_the_network():
    small, big = ModelConfig(channels=(8,), dense=0), ModelConfig(channels=(256, 256, 256), kernel_size=7)
    assert design.training_memory(small, 64) < design.training_memory(small, 512)
    assert design.training_memory(small, 64) < design.training_memory(big, 64)
    # Adam's weights, gradients and moments alone: 16 bytes a parameter.
    assert design.training_memory(big, 1) > 16 * design.parameter_count(big)


def test_a_network_that_would_not_fit_is_refused_saying_what_to_change():
    config = ModelConfig(channels=(256, 256, 256), kernel_size=7)
    need = design.training_memory(config, 512)
    with pytest.raises(ConfigError, match="lower the batch size or the conv channels") as e:
        design.check_fits(config, 512, available=need)  # only 80% of what is free may be used
    assert "batch size 512" in str(e.value)
    design.check_fits(config, 512, available=2 * need)


def test_available_memory_is_read_from_this_machine():
    free = design.available_memory()
    assert free is None or 64 * 2**20 < free < 2**50


def test_the_measured_speed_is_plausible_and_leaves_the_servers_threads_alone():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as a server leaves itself fewer threads than the trainer takes
    try:
        speed = design.measured_speed("fp32")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    assert 1e8 < speed.flops_per_second < 1e14 and math.isfinite(speed.flops_per_second)  # 0.1 GFLOP/s to 100 TFLOP/s
    assert 0 <= speed.seconds_per_image < 0.01


def test_the_estimate_adds_the_fixed_cost_per_image_to_the_flops_at_the_rate():
    speed, config = design.Speed(1e-4, 1e9), NETWORKS[2]
    assert speed.epoch_seconds(config) == pytest.approx(60_000 * (1e-4 + design.training_flops(config) / 1e9))
    assert speed.epoch_seconds(config, images=30_000) == pytest.approx(speed.epoch_seconds(config) / 2)
    assert design.Speed(1e-4, 1e9).epoch_seconds(design.SMALLEST) > 0.9 * 60_000 * 1e-4  # nearly all fixed cost
