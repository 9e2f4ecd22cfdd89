"""cnn.collection: the user's kept drawings, written whole or not at all."""
import time

import numpy as np
import pytest
from PIL import Image

from cnn.my_digits import MyDigits, counts
from cnn.runs import list_runs
from support.faults import fork_like_a_run, full_disk, keep_forever
from support.waiting import wait_until


def digit_image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)


def test_kept_drawings_come_back_by_digit_newest_first(tmp_path):
    mine = MyDigits(tmp_path)
    first = mine.add(digit_image(0), 3)
    time.sleep(1.01)  # names sort by the second they were kept in
    second = mine.add(digit_image(1), 3)
    mine.add(digit_image(2), 7)
    assert [k.path for k in mine.items(3)] == [second, first]
    assert counts(mine.items()).tolist() == [0, 0, 0, 2, 0, 0, 0, 1, 0, 0]
    np.testing.assert_allclose(mine.items(7)[0].image, digit_image(2), atol=0.5 / 255)  # 8-bit PNG
    assert list_runs(tmp_path) == []  # the collection is not a run


def test_delete_removes_one_drawing_and_refuses_other_paths(tmp_path):
    mine = MyDigits(tmp_path)
    kept = mine.add(digit_image(0), 5)
    other = tmp_path / "model.pt"
    other.write_bytes(b"x")
    for path in (other, kept.parent, tmp_path / "my-digits" / "5" / ".." / ".." / "model.pt"):
        with pytest.raises(ValueError, match="not a kept drawing"):
            mine.delete(path)
    assert other.exists()
    mine.delete(kept)
    assert mine.items() == [] and counts(mine.items()).sum() == 0


@pytest.mark.parametrize("image, label, message", [
    (np.zeros((28, 28)), 10, "digit from 0 to 9"),
    (np.zeros((28, 28)), "3", "digit from 0 to 9"),
    (np.zeros((20, 20)), 3, r"\(28, 28\)"),
    (np.full((28, 28), np.nan), 3, "finite"),
])
def test_bad_drawings_and_labels_are_refused(tmp_path, image, label, message):
    with pytest.raises(ValueError, match=message):
        MyDigits(tmp_path).add(image, label)
    assert MyDigits(tmp_path).items() == []


def test_unreadable_and_temporary_files_are_not_listed(tmp_path):
    mine = MyDigits(tmp_path)
    mine.add(digit_image(0), 1)
    folder = tmp_path / "my-digits" / "1"
    (folder / "20260101-000000-0badf00d.png").write_bytes(b"not a png")
    Image.new("L", (30, 30)).save(folder / "20260101-000001-0badf00d.png")
    (folder / ".20260101-000002-0badf00d.png.x.tmp").write_bytes(b"half")
    assert len(mine.items()) == 1


def test_a_full_disk_is_an_error_and_leaves_no_half_file(tmp_path):
    with full_disk(tmp_path / "runs") as runs:
        mine = MyDigits(runs)
        with pytest.raises(OSError):
            for seed in range(10_000):  # until the 1 MB disk is full
                mine.add(digit_image(seed), seed % 10)
        assert not list(runs.rglob("*.tmp"))
        assert all(k.image.shape == (28, 28) for k in mine.items()) and len(mine.items()) > 0


def test_a_server_killed_while_keeping_drawings_never_leaves_a_broken_one(tmp_path):
    drawings = tmp_path / "my-digits"
    for attempt in range(3):
        kept = len(MyDigits(tmp_path).items())
        keeper = fork_like_a_run(keep_forever, str(tmp_path))
        assert wait_until(lambda kept=kept: len(MyDigits(tmp_path).items()) > kept, 30)
        time.sleep(0.05 + 0.1 * attempt)  # at different points of a write
        keeper.kill()
        keeper.join()
        files = [p for p in drawings.rglob("*.png") if not p.name.startswith(".")]
        assert len(files) == len(MyDigits(tmp_path).items()) > kept  # every visible drawing reads whole
