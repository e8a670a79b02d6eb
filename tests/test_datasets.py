"""Data loading: the course's h5 files, image folders, single images, the built-in set."""

import h5py
import numpy as np
import pytest
from PIL import Image

from deepstep.datasets import (
    images_to_matrix,
    load_catvnoncat,
    load_digits_binary,
    load_h5,
    load_image,
    load_image_folder,
)


def test_catvnoncat(cat_dir, monkeypatch):
    d = load_catvnoncat(cat_dir)
    assert d.train_x.shape == (209, 64, 64, 3) and d.train_x.dtype == np.uint8
    assert d.test_x.shape == (50, 64, 64, 3) and d.train_y.shape == (209,)
    assert d.classes == ["non-cat", "cat"]
    assert int(d.train_y.sum()) == 72 and int(d.test_y.sum()) == 33  # counted with h5py
    train_x, train_y, test_x, test_y, classes = d  # unpacks like the course's load_data
    assert classes == d.classes and train_y is d.train_y and test_y is d.test_y
    monkeypatch.setenv("DEEPSTEP_DATA", str(cat_dir))
    np.testing.assert_array_equal(load_catvnoncat().test_x, test_x)
    np.testing.assert_array_equal(load_h5(cat_dir / "train_catvnoncat.h5").train_x, train_x)


def test_catvnoncat_without_a_path(monkeypatch):
    monkeypatch.delenv("DEEPSTEP_DATA", raising=False)
    with pytest.raises(ValueError, match="set DEEPSTEP_DATA"):
        load_catvnoncat()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_images_to_matrix_is_the_course_formula(dtype):
    images = np.random.default_rng(0).integers(0, 256, (5, 4, 3, 3), dtype=np.uint8)
    course = images.reshape(images.shape[0], -1).T / 255
    out = images_to_matrix(images, dtype=dtype)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, course.T, rtol=1e-6 if dtype == np.float32 else 0)


@pytest.mark.parametrize("mode,size", [("RGBA", (30, 20)), ("P", (7, 9)), ("L", (3, 500)),
                                       ("1", (1, 1)), ("I;16", (10, 10)), ("CMYK", (12, 8)),
                                       ("LA", (5, 5)), ("RGB", (64, 64))])
@pytest.mark.parametrize("channels", [1, 3])
def test_load_image_any_mode_and_size(tmp_path, mode, size, channels):
    img = Image.new(mode, size)
    path = tmp_path / ("x.jpg" if mode == "CMYK" else "x.png")
    img.save(path)
    arr = load_image(path, (8, 6), channels=channels)
    assert arr.shape == (8, 6, channels) and arr.dtype == np.uint8


@pytest.mark.parametrize("content", [b"", b"hello, not an image", None])
def test_load_image_rejects_unreadable_files(tmp_path, content):
    path = tmp_path / "bad.png"
    if content is None:  # a truncated PNG
        Image.new("RGB", (40, 40), "red").save(path)
        content = path.read_bytes()[:60]
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"cannot read image '.*bad.png'"):
        load_image(path, (8, 8))


def _tree(root, counts):
    for name, n in counts.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", (10 + i, 12), (i * 20 % 255, 0, 0)).save(root / name / f"{i}.png")
    return root


def test_image_folder_split(tmp_path):
    root = _tree(tmp_path / "imgs", {"dog": 6, "cat": 5, "bird": 2})
    (root / "cat" / "notes.txt").write_text("ignored")
    d = load_image_folder(root, (16, 16), test_fraction=0.2, random_state=3)
    assert d.classes == ["bird", "cat", "dog"]
    assert len(d.train_y) + len(d.test_y) == 13
    assert sorted(np.bincount(d.test_y, minlength=3)) == [1, 1, 1]
    assert d.train_x.shape[1:] == (16, 16, 3)
    again = load_image_folder(root, (16, 16), test_fraction=0.2, random_state=3)
    np.testing.assert_array_equal(again.train_x, d.train_x)
    none = load_image_folder(root, (16, 16), test_fraction=0)
    assert none.test_x.shape == (0, 16, 16, 3) and len(none.train_y) == 13


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="image folder not found"):
        load_image_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="at least 2 sub-folders"):
        load_image_folder(tmp_path / "empty")
    one = _tree(tmp_path / "one", {"only": 3})
    with pytest.raises(ValueError, match="found 1"):
        load_image_folder(one)
    bad = _tree(tmp_path / "bad", {"a": 2, "b": 2})
    (bad / "a" / "corrupt.jpg").write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"corrupt\.jpg"):
        load_image_folder(bad)


def test_digits_builtin():
    d = load_digits_binary()
    assert d.classes == ["even", "odd"] and d.train_x.shape[1:] == (8, 8, 1)
    assert len(d.train_y) + len(d.test_y) == 1797 and 0.4 < d.train_y.mean() < 0.6
    assert d.train_x.max() == 255 and d.train_x.dtype == np.uint8
    np.testing.assert_array_equal(load_digits_binary().test_y, d.test_y)


def _h5(path, prefix, x, y, classes=(b"a", b"b")):
    with h5py.File(path, "w") as f:
        f[f"{prefix}_set_x"] = x
        f[f"{prefix}_set_y"] = y
        if classes is not None:
            f["list_classes"] = np.array(classes)


def test_h5_small_grayscale_and_errors(tmp_path):
    x = np.zeros((4, 5, 5), dtype=np.uint8)
    _h5(tmp_path / "train_s.h5", "train", x, np.array([0, 1, 0, 1]))
    _h5(tmp_path / "test_s.h5", "test", x[:2], np.array([1, 0]))
    d = load_h5(tmp_path)
    assert d.train_x.shape == (4, 5, 5, 1) and d.classes == ["a", "b"]
    _h5(tmp_path / "train_s.h5", "train", x, np.array([0, 1, 0]))
    with pytest.raises(ValueError, match="m labels"):
        load_h5(tmp_path / "train_s.h5")
    _h5(tmp_path / "train_s.h5", "train", x, np.array([0, 1, 0, 7]))
    with pytest.raises(ValueError, match=r"labels must be in 0..1"):
        load_h5(tmp_path)
    (tmp_path / "train_s.h5").write_bytes(b"not h5")
    with pytest.raises(ValueError, match="not a readable h5 file"):
        load_h5(tmp_path)


def test_load_h5_names_what_it_was_given_and_what_it_expects(cat_dir, tmp_path):
    with pytest.raises(ValueError, match=r"test_catvnoncat\.h5 is not a train\*\.h5 file"):
        load_h5(cat_dir / "test_catvnoncat.h5")
    lonely = tmp_path / "train_x.h5"
    lonely.write_bytes((cat_dir / "train_catvnoncat.h5").read_bytes())
    with pytest.raises(ValueError, match=r"test file .*test_x\.h5 is missing"):
        load_h5(lonely)
