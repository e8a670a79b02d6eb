"""Model files: exact round trip, atomic saving, and hostile files rejected safely."""

import io as stdio
import json
import os
import pickle
import re
import zipfile

import numpy as np
import pytest

import deepstep
from deepstep import DNNClassifier, ModelFileError
from deepstep.io import load_arrays, save_arrays


def _config(sizes=(4, 3, 1), dtype="float64", **extra):
    return {"estimator": "DNNClassifier", "layer_sizes": list(sizes),
            "activations": ["relu"] * (len(sizes) - 2) + ["sigmoid"], "dtype": dtype,
            "classes": [0, 1], **extra}


def _arrays(sizes=(4, 3, 1), dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for l in range(1, len(sizes)):
        out[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1])).astype(dtype)
        out[f"b{l}"] = rng.standard_normal((sizes[l], 1)).astype(dtype)
    return out


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _npy(array, allow_pickle=False):
    buf = stdio.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _valid_members(config=None, arrays=None):
    from deepstep.io import FORMAT_NAME, FORMAT_VERSION

    config = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **(config or _config())}
    members = {"config.json": json.dumps(config)}
    for k, v in (arrays or _arrays()).items():
        members[f"{k}.npy"] = _npy(v)
    return members


@pytest.fixture()
def fitted():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = np.where(X[:, 0] > 0, "cat", "non-cat")
    return DNNClassifier.from_course(hidden_layer_sizes=(5, 3), learning_rate=0.3, max_iter=40,
                                     random_state=0).fit(X, y), X


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_arrays_round_trip_bit_identical(tmp_path, dtype):
    arrays = _arrays(dtype=np.dtype(dtype))
    arrays["W1"] = np.asfortranarray(arrays["W1"])
    arrays["b1"] = arrays["b1"].astype(np.dtype(dtype).newbyteorder(">")).astype(dtype)
    config = _config(dtype=dtype, params={"alpha": 0.1}, input_shape=[2, 2, 1])
    save_arrays(tmp_path / "m.npz", config, arrays)
    got_config, got = load_arrays(tmp_path / "m.npz")
    assert got_config["params"] == {"alpha": 0.1} and got_config["input_shape"] == [2, 2, 1]
    assert got_config["format_version"] == 1 and got_config["library_version"]
    for k, v in arrays.items():
        assert got[k].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got[k], v)


def test_estimator_round_trip_gives_identical_predictions(tmp_path, fitted):
    clf, X = fitted
    clf.save(tmp_path / "model.npz")
    loaded = deepstep.load(tmp_path / "model.npz")
    assert isinstance(loaded, DNNClassifier)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert list(loaded.classes_) == ["cat", "non-cat"]
    assert loaded.get_params()["hidden_layer_sizes"] == (5, 3)
    assert loaded.loss_curve_ == clf.loss_curve_ and loaded.n_iter_ == 40


def test_failed_save_keeps_the_previous_file_and_leaves_no_temp(tmp_path, fitted, monkeypatch):
    clf, X = fitted
    path = tmp_path / "model.npz"
    clf.save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        clf.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(deepstep.load(path).predict_proba(X), clf.predict_proba(X))


def test_save_validates(tmp_path):
    with pytest.raises(ValueError, match="arrays must be exactly"):
        save_arrays(tmp_path / "m", _config(), {"W1": np.ones((3, 4))})
    bad = _arrays()
    bad["W2"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        save_arrays(tmp_path / "m", _config(), bad)
    with pytest.raises(ValueError, match="float32 array of shape"):
        save_arrays(tmp_path / "m", _config(dtype="float32"), _arrays())
    with pytest.raises(ValueError, match="'dtype' must be"):
        save_arrays(tmp_path / "m", _config(dtype="int8"), _arrays())
    assert not os.listdir(tmp_path)


def _hostile_cases(tmp_path):
    cases = {}
    cases["zero-byte"] = b""
    valid = tmp_path / "valid.npz"
    save_arrays(valid, _config(), _arrays())
    data = valid.read_bytes()
    cases["truncated"] = data[: len(data) // 2]
    cases["random bytes"] = os.urandom(2048)
    buf = stdio.BytesIO()
    np.savez(buf, a=np.ones(3))
    cases["foreign npz"] = buf.getvalue()
    buf = stdio.BytesIO()
    np.save(buf, np.ones(3))
    cases["plain npy"] = buf.getvalue()

    def zipped(members):
        b = stdio.BytesIO()
        _write_zip(b, members)
        return b.getvalue()

    m = _valid_members()
    m["W1.npy"] = _npy(np.array([[{"evil": 1}] * 4] * 3, dtype=object), allow_pickle=True)
    cases["object array"] = zipped(m)
    m = _valid_members()
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}
    buf = stdio.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    m["W1.npy"] = buf.getvalue() + b"\0" * 64
    cases["absurd header shape"] = zipped(m)
    cases["absurd config shape"] = zipped(_valid_members(_config(sizes=(10**9, 10**9, 1))))
    m = _valid_members()
    del m["W2.npy"]
    cases["missing array"] = zipped(m)
    m = _valid_members()
    m["extra.npy"] = _npy(np.ones(2))
    cases["extra member"] = zipped(m)
    arrays = _arrays()
    arrays["W1"] = arrays["W1"].astype(np.float16)
    cases["wrong dtype"] = zipped(_valid_members(arrays=arrays))
    arrays = _arrays()
    arrays["b1"] = arrays["b1"].astype(np.int64)
    cases["int dtype"] = zipped(_valid_members(arrays=arrays))
    arrays = _arrays()
    arrays["W2"][0, 1] = np.inf
    cases["non-finite"] = zipped(_valid_members(arrays=arrays))
    cases["future version"] = zipped({**_valid_members(), "config.json": json.dumps(
        {**_config(), "format": "deepstep-model", "format_version": 99})})
    cases["foreign format"] = zipped({**_valid_members(), "config.json": json.dumps(
        {**_config(), "format": "kerasish", "format_version": 1})})
    cases["absurd extra shape"] = zipped({**_valid_members(), "config.json": json.dumps(
        {**_config(), "format": "deepstep-model", "format_version": 1,
         "extra_arrays": {"opt_v_0": [10**9, 10**9]}})})
    cases["bad extra name"] = zipped({**_valid_members(), "config.json": json.dumps(
        {**_config(), "format": "deepstep-model", "format_version": 1,
         "extra_arrays": {"../../etc/passwd": [1]}})})
    cases["declared extra missing"] = zipped({**_valid_members(), "config.json": json.dumps(
        {**_config(), "format": "deepstep-model", "format_version": 1,
         "extra_arrays": {"opt_v_0": [2, 2]}})})
    cases["dtype not a string"] = zipped({**_valid_members(), "config.json": json.dumps(
        {**_config(), "format": "deepstep-model", "format_version": 1, "dtype": []})})
    cases["invalid json"] = zipped({**_valid_members(), "config.json": "{not json"})
    cases["config not object"] = zipped({**_valid_members(), "config.json": "[1, 2]"})
    return cases


def test_hostile_files_are_rejected_without_writing(tmp_path):
    for name, data in _hostile_cases(tmp_path).items():
        path = tmp_path / f"{name.replace(' ', '_')}.npz"
        path.write_bytes(data)
        before = sorted(os.listdir(tmp_path))
        with pytest.raises(ModelFileError, match=str(path.name)) as info:
            deepstep.load(path)
        assert "\n" not in str(info.value), name
        assert sorted(os.listdir(tmp_path)) == before, name


def test_pickled_payload_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    m = _valid_members()
    m["W1.npy"] = _npy(np.array([Evil()], dtype=object), allow_pickle=True)
    m["payload.pkl"] = pickle.dumps(Evil())
    path = tmp_path / "evil.npz"
    _write_zip(path, m)
    with pytest.raises(ModelFileError):
        deepstep.load(path)
    assert not marker.exists()


def test_paths_that_are_not_files(tmp_path):
    with pytest.raises(ModelFileError, match="is a directory"):
        deepstep.load(tmp_path)
    with pytest.raises(ModelFileError, match="no such model file"):
        deepstep.load(tmp_path / "missing.npz")
    os.symlink(tmp_path / "a", tmp_path / "b")
    os.symlink(tmp_path / "b", tmp_path / "a")
    with pytest.raises(ModelFileError, match="link"):
        deepstep.load(tmp_path / "a")


def test_models_with_callbacks_and_numpy_params_save(tmp_path):
    from deepstep.training import History

    X = np.random.default_rng(0).standard_normal((20, 3))
    y = X[:, 0] > 0
    clf = DNNClassifier.from_course(hidden_layer_sizes=np.array([3]), max_iter=5,
                                    callbacks=[History()],
                                    random_state=np.random.RandomState(0)).fit(X, y)
    clf.save(tmp_path / "m.npz")
    np.testing.assert_array_equal(deepstep.load(tmp_path / "m.npz").predict(X), clf.predict(X))


def test_extra_arrays_round_trip_and_stay_out_of_the_weights(tmp_path):
    from deepstep.io import load_arrays

    extra = {"opt_v_0": np.arange(6.0).reshape(2, 3), "gram_P": np.ones((3, 1))}
    save_arrays(tmp_path / "c", _config(), _arrays(), extra)
    _, arrays, got = load_arrays(tmp_path / "c", with_extra=True)
    assert sorted(arrays) == sorted(_arrays()) and sorted(got) == sorted(extra)
    for key, value in extra.items():
        np.testing.assert_array_equal(got[key], value)
    assert deepstep.io.load_arrays(tmp_path / "c")[1].keys() == arrays.keys()


# ------------------------------------------- destinations checked first, named as given


def test_save_to_a_missing_folder_names_the_path_before_any_work(tmp_path, fitted):
    clf, _ = fitted
    with pytest.raises(FileNotFoundError) as info:
        clf.save("/missing/dir/m.npz")
    assert str(info.value) == ("DNNClassifier.save: /missing/dir/m.npz: directory /missing/dir "
                               "does not exist")
    with pytest.raises(FileNotFoundError, match=r"save: /missing/dir/m\.npz: directory"):
        save_arrays("/missing/dir/m.npz", _config(), _arrays())
    with pytest.raises(IsADirectoryError, match=re.escape(f"{tmp_path}: is a directory")):
        clf.save(tmp_path)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="afile is not a directory"):
        clf.save(tmp_path / "afile" / "m.npz")
    assert os.listdir(tmp_path) == ["afile"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write anywhere")
def test_save_to_a_read_only_folder_says_so(tmp_path, fitted):
    clf, _ = fitted
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError, match="is not writable"):
            clf.save(folder / "m.npz")
    finally:
        folder.chmod(0o755)


def test_a_failed_write_names_the_users_path_never_the_temp_file(tmp_path, fitted, monkeypatch):
    import errno

    clf, _ = fitted
    path = tmp_path / "model.npz"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/x/.model.npz.abc.tmp")

    monkeypatch.setattr(np.lib.format, "write_array", full)
    with pytest.raises(OSError) as info:
        clf.save(path)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    assert str(path) in str(info.value) and ".tmp" not in str(info.value)
    assert not os.listdir(tmp_path)


# ------------------------------------------------------------ permissions


def _mode(path):
    import stat

    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_model_files_get_the_users_umask_like_any_other_output(tmp_path, fitted):
    clf, _ = fitted
    old = os.umask(0o022)
    try:
        clf.save(tmp_path / "m.npz")
        save_arrays(tmp_path / "a.npz", _config(), _arrays())
        (tmp_path / "plain.txt").write_text("x")
        os.umask(0o077)
        clf.save(tmp_path / "private.npz")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "m.npz") == _mode(tmp_path / "a.npz") == 0o644
    assert _mode(tmp_path / "plain.txt") == 0o644
    assert _mode(tmp_path / "private.npz") == 0o600


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_replacing_a_model_file_keeps_its_permissions(tmp_path, fitted):
    clf, X = fitted
    path = tmp_path / "m.npz"
    clf.save(path)
    path.chmod(0o640)
    clf.save(path)
    assert _mode(path) == 0o640
    np.testing.assert_array_equal(deepstep.load(path).predict(X), clf.predict(X))


# ------------------------------------------------ input shape and class names


def test_save_stores_the_input_shape_and_class_names(tmp_path, fitted):
    clf, X = fitted
    clf.save(tmp_path / "m.npz", input_shape=(2, 2, 1), class_names=np.array([b"a", b"b"]))
    loaded = deepstep.load(tmp_path / "m.npz")
    assert loaded.metadata_ == {"input_shape": [2, 2, 1], "class_names": ["a", "b"]}
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    clf.save(tmp_path / "n.npz", input_shape=np.array([4]))
    assert deepstep.load(tmp_path / "n.npz").metadata_ == {"input_shape": [4]}


@pytest.mark.parametrize("kwargs,message", [
    ({"input_shape": (2, 3)}, r"product is the model's 4 features .*got \(2, 3\), whose product "
                              r"is 6"),
    ({"input_shape": (4, 0)}, "positive integers"),
    ({"input_shape": (2.0, 2)}, "positive integers"),
    ({"input_shape": (True, 4)}, "positive integers"),
    ({"input_shape": "22"}, "positive integers"),
    ({"input_shape": ()}, "positive integers"),
    ({"class_names": ["cat"]}, r"2 strings, one for each of classes_ \['cat', 'non-cat'\]; "
                               "got 1"),
    ({"class_names": ["a", 1]}, "2 strings"),
    ({"class_names": "ab"}, "2 strings"),
])
def test_save_rejects_an_input_shape_or_class_names_that_do_not_fit(tmp_path, fitted, kwargs,
                                                                     message):
    clf, _ = fitted
    with pytest.raises(ValueError, match=message):
        clf.save(tmp_path / "m.npz", **kwargs)
    assert not os.listdir(tmp_path)


def test_a_regressor_has_no_class_names(tmp_path):
    from deepstep import DNNRegressor

    X = np.random.default_rng(0).standard_normal((30, 3))
    reg = DNNRegressor(hidden_layer_sizes=(3,), max_iter=3, tol=None, random_state=0)
    reg.fit(X, X[:, 0])
    with pytest.raises(ValueError, match=r"DNNRegressor\.save: class_names is for classifiers"):
        reg.save(tmp_path / "r.npz", class_names=["a"])
    reg.save(tmp_path / "r.npz", input_shape=(3, 1))
    assert deepstep.load(tmp_path / "r.npz").metadata_ == {"input_shape": [3, 1]}
