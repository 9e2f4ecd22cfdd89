"""ui.viz: the pictures' colours mean what the captions say."""
import numpy as np

from ui import viz


def test_saliency_picture_is_red_for_ink_for_blue_for_ink_against_and_dim_grey_elsewhere():
    image = np.zeros((28, 28), np.float32)
    image[10, 10:13] = 1.0
    s = np.zeros((28, 28), np.float32)
    s[10, 10], s[10, 11] = 1.0, -1.0
    picture = viz.saliency_picture(image, s, scale=1)
    assert picture.shape == (28, 28, 3)
    red, blue, grey = picture[10, 10].astype(int), picture[10, 11].astype(int), picture[10, 12].astype(int)
    assert red[0] > red[2] + 100 and blue[2] > blue[0] + 100
    assert grey[0] == grey[1] == grey[2] and 80 < grey[0] < 128  # ink that does not matter: dimmed, uncoloured
    assert picture[0, 0].tolist() == [0, 0, 0]


def test_filter_grids_share_a_colour_scale_when_given_one():
    weak, strong = np.full((32, 1, 5, 5), 0.1), np.full((32, 1, 5, 5), 0.4)
    assert viz.filter_grid(weak)[3, 3].tolist() == viz.filter_grid(strong)[3, 3].tolist()  # each at full colour
    faint, full = viz.filter_grid(weak, bound=0.4)[3, 3], viz.filter_grid(strong, bound=0.4)[3, 3]
    assert int(full[1]) < int(faint[1])  # red, and redder for the larger weight


def test_square_pads_around_the_middle_and_enlarge_draws_pixel_lines_from_4x():
    padded = viz.square(np.ones((2, 6), np.float32))
    assert padded.shape == (6, 6) and padded[2:4].all() and not padded[:2].any() and not padded[4:].any()
    rgb = np.full((2, 2, 3), 200, np.uint8)
    assert (viz.enlarge(rgb, 2) == 200).all()
    lined = viz.enlarge(rgb, 4)
    assert lined.shape == (8, 8, 3) and lined[0, 0, 0] < 200 and lined[1, 1, 0] == 200
