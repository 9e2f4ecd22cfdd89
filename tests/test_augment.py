import torch
import torch.nn.functional as F

from cnn.augment import AugmentConfig, augment, change_thickness, dilate

NONE = AugmentConfig(rotate_deg=0, shear=0, scale=(1, 1), aspect=0, shift_px=0, thicken=0, thin=0)


def digits(mnist_small, n=16):
    return mnist_small[0].images[:n]


def test_dilate_matches_max_pool(mnist_small):
    x = digits(mnist_small)
    torch.testing.assert_close(dilate(x), F.max_pool2d(x, 3, stride=1, padding=1))


def test_thickness_amounts(mnist_small):
    x = digits(mnist_small)
    n = len(x)
    torch.testing.assert_close(change_thickness(x, torch.zeros(n)), x)
    torch.testing.assert_close(change_thickness(x, torch.ones(n)), dilate(x))
    torch.testing.assert_close(change_thickness(x, torch.full((n,), 2.0)), dilate(dilate(x)))
    torch.testing.assert_close(change_thickness(x, -torch.ones(n)), -F.max_pool2d(-x, 3, stride=1, padding=1))
    half = change_thickness(x, torch.full((n,), 0.5))
    torch.testing.assert_close(half, (x + dilate(x)) / 2)
    assert change_thickness(x, torch.ones(n)).sum() > x.sum() > change_thickness(x, -torch.ones(n)).sum()


def test_no_randomness_leaves_images_unchanged(mnist_small):
    x = digits(mnist_small)
    torch.testing.assert_close(augment(x, NONE), x, atol=1e-5, rtol=0)


def test_augment_changes_images_but_keeps_them_digits(mnist_small):
    x = digits(mnist_small)
    y = augment(x, AugmentConfig(), torch.Generator().manual_seed(0))
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1 + 1e-6
    assert (y - x).abs().mean() > 0.02  # it did something
    # ...but moderately: ink stays near the middle and of similar amount (no flips, no crops).
    ratio = y.sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert ((ratio > 0.4) & (ratio < 3.0)).all()


def test_same_generator_seed_same_augmentation(mnist_small):
    x = digits(mnist_small)
    a = augment(x, AugmentConfig(), torch.Generator().manual_seed(5))
    b = augment(x, AugmentConfig(), torch.Generator().manual_seed(5))
    torch.testing.assert_close(a, b)
