"""ONNX export: onnxruntime (an independent implementation) runs what deepstep predicts.

For every estimator, hidden activation, output and dtype, :func:`deepstep.export_onnx`
writes a file that ``onnx.checker`` accepts and whose outputs, run by onnxruntime,
equal ``predict_proba`` within 1e-5 (float32) / 1e-9 (float64) and ``predict``
exactly. One model is also checked against NumPy by hand, from ``coefs_``.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402

import deepstep  # noqa: E402
from deepstep import (  # noqa: E402
    DNNClassifier,
    DNNRegressor,
    MLPClassifier,
    MLPRegressor,
    export_onnx,
)
from deepstep.activations import LEAKY_SLOPE  # noqa: E402
from deepstep.export import DEFAULT_OPSET  # noqa: E402

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 1e-5, np.float64: 1e-9}
DNN_HIDDEN = ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]
MLP_HIDDEN = ["relu", "tanh", "logistic", "identity"]


# ---------------------------------------------------------------- helpers


def _X(dtype, n=40, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 4)).astype(dtype)


def _y(kind, X):
    """Targets of each kind for the rows of X (string classes where a label is one value)."""
    s = X[:, 0].astype(np.float64) + 0.5 * X[:, 1]
    band = np.digitize(s, [-0.4, 0.4])
    if kind in ("binary", "softmax_binary"):
        return np.where(s > 0, "cat", "non-cat")
    if kind == "multiclass":
        return np.array([3, 7, 9])[band]  # integer classes, not 0..n-1
    if kind == "one_vs_rest":
        return np.array(["a", "b", "c"])[band]
    if kind == "multilabel":
        return np.column_stack([s > 0, X[:, 2] > 0, X[:, 3] > 0.3]).astype(int)
    if kind == "single":
        return s
    if kind == "multi_output":
        return np.column_stack([s, X[:, 2] - X[:, 3]])
    if kind == "poisson":
        return np.random.default_rng(1).poisson(np.exp(0.3 * s)).astype(np.float64)
    raise AssertionError(kind)


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def _run(path, X):
    """onnxruntime's outputs for X, by name."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X}), strict=True))


def _export_and_check(estimator, X, tmp_path, **kwargs):
    """Export, check the file with onnx.checker, and compare onnxruntime with deepstep."""
    path = export_onnx(estimator, tmp_path / "model.onnx", **kwargs)
    assert path == tmp_path / "model.onnx" and path.is_file()
    onnx.checker.check_model(str(path), full_check=True)
    out = _run(path, X)
    tol = TOL[X.dtype.type]
    if hasattr(estimator, "predict_proba"):
        assert sorted(out) == ["label", "probabilities"]
        proba = estimator.predict_proba(X)
        assert out["probabilities"].dtype == X.dtype
        assert out["probabilities"].shape == proba.shape
        np.testing.assert_allclose(out["probabilities"], proba, rtol=0, atol=tol)
        expected = estimator.predict(X)
        assert out["label"].shape == expected.shape
        np.testing.assert_array_equal(out["label"], expected)
    else:
        assert list(out) == ["variable"]
        expected = estimator.predict(X)
        got = out["variable"]
        assert got.dtype == X.dtype and got.shape == (len(X), estimator.n_outputs_)
        np.testing.assert_allclose(got.ravel() if expected.ndim == 1 else got, expected,
                                   rtol=tol, atol=tol)
    return path, out


def _dnn_classifier(kind, activation, dtype):
    loss = {"softmax_binary": "categorical_cross_entropy",
            "one_vs_rest": "binary_cross_entropy"}.get(kind, "auto")
    X = _X(dtype)
    clf = DNNClassifier((5, 3), activation=activation, max_iter=30, learning_rate=0.05,
                        loss=loss, random_state=0)
    return _fit(clf, X, _y(kind, X))


# ---------------------------------------------------------------- the matrix


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "softmax_binary", "multiclass", "one_vs_rest",
                                  "multilabel"])
@pytest.mark.parametrize("activation", DNN_HIDDEN)
def test_dnn_classifier(activation, kind, dtype, tmp_path):
    clf = _dnn_classifier(kind, activation, dtype)
    n_out = {"binary": 1, "softmax_binary": 2}.get(kind, 3)
    assert clf.layer_sizes_[-1] == n_out and clf.parameters_["W1"].dtype == dtype
    _, out = _export_and_check(clf, _X(dtype, 25, seed=5), tmp_path)
    if kind in ("binary", "softmax_binary", "one_vs_rest"):
        assert out["label"].dtype == object  # string classes come back as strings
    else:
        assert out["label"].dtype == np.int64


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["single", "multi_output"])
@pytest.mark.parametrize("activation", DNN_HIDDEN)
def test_dnn_regressor(activation, kind, dtype, tmp_path):
    X = _X(dtype)
    reg = _fit(DNNRegressor((5, 3), activation=activation, max_iter=30, learning_rate=0.05,
                            random_state=0), X, _y(kind, X))
    _export_and_check(reg, _X(dtype, 25, seed=5), tmp_path)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("activation", MLP_HIDDEN)
def test_mlp_classifier(activation, kind, dtype, tmp_path):
    X = _X(dtype)
    clf = _fit(MLPClassifier((5, 3), activation=activation, max_iter=30,
                             learning_rate_init=0.05, random_state=0), X, _y(kind, X))
    assert clf.coefs_[0].dtype == dtype
    _export_and_check(clf, _X(dtype, 25, seed=5), tmp_path)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["single", "multi_output", "poisson"])
@pytest.mark.parametrize("activation", MLP_HIDDEN)
def test_mlp_regressor(activation, kind, dtype, tmp_path):
    X = _X(dtype)
    loss = "poisson" if kind == "poisson" else "squared_error"
    reg = _fit(MLPRegressor(loss=loss, hidden_layer_sizes=(5, 3), activation=activation,
                            max_iter=30, learning_rate_init=0.02, random_state=0),
               X, _y(kind, X))
    assert reg.out_activation_ == ("exp" if kind == "poisson" else "identity")
    _export_and_check(reg, _X(dtype, 25, seed=5), tmp_path)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("activation", [["leaky_relu", "softmax"], ["exp", "tanh"],
                                        ["identity", "leaky_relu"]])
def test_one_activation_per_hidden_layer(activation, dtype, tmp_path):
    # The DNN estimators accept any registered activation per layer, softmax and exp too.
    X = _X(dtype)
    clf = _fit(DNNClassifier((4, 3), activation=activation, max_iter=20, random_state=0),
               X, _y("multiclass", X))
    _export_and_check(clf, _X(dtype, 25, seed=5), tmp_path)


# ---------------------------------------------------------------- exact conventions


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "multilabel"])
@pytest.mark.parametrize("cls", [DNNClassifier, MLPClassifier])
def test_a_probability_of_exactly_one_half_is_the_negative_label(cls, kind, dtype, tmp_path):
    X = _X(dtype)
    clf = _fit(cls((3,), max_iter=10, random_state=0), X, _y(kind, X))
    if cls is DNNClassifier:  # the output layer's Z is 0, so p = sigmoid(0) = 0.5 exactly
        L = len(clf.layer_sizes_) - 1
        clf.parameters_[f"W{L}"][:] = 0
        clf.parameters_[f"b{L}"][:] = 0
    else:
        clf.coefs_[-1][:] = 0
        clf.intercepts_[-1][:] = 0
    assert np.all(clf.predict_proba(X) == 0.5)
    _, out = _export_and_check(clf, X, tmp_path)
    assert np.all(out["probabilities"] == 0.5)
    if kind == "binary":
        assert np.all(out["label"] == clf.classes_[0])
    else:
        assert np.all(out["label"] == 0)


def test_an_mlp_trained_on_one_class_predicts_it(tmp_path):
    X = _X(np.float64)
    clf = _fit(MLPClassifier((3,), max_iter=5, random_state=0), X, np.full(len(X), "cat"))
    _, out = _export_and_check(clf, X, tmp_path)
    assert set(out["label"]) == {"cat"}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_the_graph_is_the_layers_in_the_model_dtype(dtype, tmp_path):
    X = _X(dtype)
    clf = _fit(MLPClassifier((5, 3), max_iter=10, random_state=0), X, _y("binary", X))
    path = export_onnx(clf, tmp_path / "m.onnx")
    model = onnx.load(str(path))
    elem = onnx.TensorProto.FLOAT if dtype == np.float32 else onnx.TensorProto.DOUBLE
    assert model.producer_name == "deepstep"
    assert model.producer_version == deepstep.__version__
    assert [(o.domain, o.version) for o in model.opset_import] == [("", DEFAULT_OPSET)]
    assert model.ir_version == onnx.helper.find_min_ir_version_for(model.opset_import)
    (x,) = model.graph.input
    dims = x.type.tensor_type.shape.dim
    assert x.name == "X" and x.type.tensor_type.elem_type == elem
    assert dims[0].dim_param == "N" and dims[1].dim_value == 4
    outputs = {o.name: o.type.tensor_type for o in model.graph.output}
    assert outputs["label"].elem_type == onnx.TensorProto.STRING
    assert outputs["probabilities"].elem_type == elem
    assert [d.dim_value for d in outputs["probabilities"].shape.dim][1:] == [2]
    floats = [t for t in model.graph.initializer if t.data_type in (1, 11)]
    assert {t.data_type for t in floats} == {elem}
    weights = {t.name.split("_")[0]: onnx.numpy_helper.to_array(t) for t in floats}
    for i, (coef, intercept) in enumerate(zip(clf.coefs_, clf.intercepts_, strict=True)):
        np.testing.assert_array_equal(weights[f"W{i + 1}"], coef)  # stored (n_in, n_out)
        np.testing.assert_array_equal(weights[f"b{i + 1}"], intercept)
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("MatMul") == 3 and ops.count("Relu") == 2 and ops.count("Sigmoid") == 1


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_leaky_relu_is_max_of_z_and_slope_z_in_float64(dtype, tmp_path):
    X = _X(dtype)
    y = np.column_stack([_y("single", X)] * 4)
    reg = _fit(DNNRegressor((4,), activation="leaky_relu", max_iter=10, random_state=0), X, y)
    path, _ = _export_and_check(reg, X, tmp_path)
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert ("LeakyRelu" in ops) == (dtype == np.float32)
    # Hidden Z = b1 whatever X, output = the hidden layer: leaky_relu(b1) itself.
    b1 = np.array([-3.0, -1e-3, 0.0, 2.0], dtype=dtype)
    reg.parameters_.update(W1=np.zeros((4, 4), dtype), b1=b1.reshape(-1, 1),
                           W2=np.eye(4, dtype=dtype), b2=np.zeros((4, 1), dtype))
    got = _run(export_onnx(reg, tmp_path / "slope.onnx"), X[:2])["variable"]
    expected = np.where(b1 > 0, b1, LEAKY_SLOPE * b1)
    assert expected.dtype == dtype and expected[0] != 0
    np.testing.assert_array_equal(got, np.stack([expected] * 2))
    np.testing.assert_array_equal(got, reg.predict(X[:2]))


def test_hand_computed_with_numpy_from_coefs(tmp_path):
    # An oracle that is neither deepstep's forward pass nor onnxruntime.
    X = _X(np.float64, 30)
    clf = _fit(MLPClassifier((3,), activation="tanh", max_iter=20, random_state=0),
               X, _y("multiclass", X))
    H = np.tanh(X @ clf.coefs_[0] + clf.intercepts_[0])
    Z = H @ clf.coefs_[1] + clf.intercepts_[1]
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    out = _run(export_onnx(clf, tmp_path / "m.onnx"), X)
    np.testing.assert_allclose(out["probabilities"], P, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out["label"], np.array([3, 7, 9])[P.argmax(axis=1)])

    reg = _fit(MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0),
               X, _y("single", X))
    expected = np.maximum(X @ reg.coefs_[0] + reg.intercepts_[0], 0) @ reg.coefs_[1]
    out = _run(export_onnx(reg, tmp_path / "r.onnx"), X)
    np.testing.assert_allclose(out["variable"], expected + reg.intercepts_[1], atol=1e-12)


# ---------------------------------------------------------------- model files


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["binary", "one_vs_rest", "multilabel", "single"])
def test_a_saved_and_loaded_model_exports_the_same(kind, dtype, tmp_path):
    if kind == "single":
        X = _X(dtype)
        est = _fit(DNNRegressor((4,), max_iter=10, random_state=0), X, _y(kind, X))
    else:
        est = _dnn_classifier(kind, "tanh", dtype)
    est.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    X = _X(dtype, 25, seed=5)
    a = _run(export_onnx(est, tmp_path / "a.onnx"), X)
    b = _run(export_onnx(loaded, tmp_path / "b.onnx"), X)
    assert list(a) == list(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    _export_and_check(loaded, X, tmp_path)


# ---------------------------------------------------------------- errors and files


@pytest.mark.parametrize("cls", [DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor])
def test_an_unfitted_estimator_is_refused(cls, tmp_path):
    with pytest.raises(NotFittedError):
        export_onnx(cls(), tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_anything_else_is_a_type_error_naming_it(tmp_path):
    from sklearn.linear_model import LogisticRegression

    X = _X(np.float64)
    with pytest.raises(TypeError, match="LogisticRegression"):
        export_onnx(LogisticRegression().fit(X, _y("binary", X)), tmp_path / "m.onnx")
    with pytest.raises(TypeError, match=r"got builtins\.dict"):
        export_onnx({"W1": X}, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def fitted():
    X = _X(np.float64)
    return _fit(DNNClassifier((3,), max_iter=5, random_state=0), X, _y("binary", X))


def test_a_missing_directory_names_the_given_path(fitted, tmp_path):
    target = tmp_path / "missing" / "m.onnx"
    with pytest.raises(FileNotFoundError, match=re.escape(str(target))):
        export_onnx(fitted, str(target))
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match=r"file/m\.onnx"):
        export_onnx(fitted, tmp_path / "file" / "m.onnx")
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        export_onnx(fitted, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_the_file_mode_follows_the_umask(fitted, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = export_onnx(fitted, tmp_path / "m.onnx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # no temporary file left


def test_an_existing_file_is_replaced_and_a_relative_path_works(fitted, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("m.onnx").write_text("not a model")
    assert export_onnx(fitted, "m.onnx") == Path("m.onnx")
    onnx.checker.check_model("m.onnx")
    assert sorted(os.listdir(".")) == ["m.onnx"]


def test_without_onnx_the_error_says_what_to_install(fitted, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'deepstep\[onnx\]'"):
        export_onnx(fitted, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("opset", [13, 18])
def test_an_opset_can_be_chosen(fitted, tmp_path, opset):
    X = _X(np.float64, 10)
    path, _ = _export_and_check(fitted, X, tmp_path, opset=opset)
    assert onnx.load(str(path)).opset_import[0].version == opset


def test_a_bad_opset_is_refused(fitted, tmp_path):
    with pytest.raises(ValueError, match="opset must be from 13"):
        export_onnx(fitted, tmp_path / "m.onnx", opset=12)
    with pytest.raises(ValueError, match="got 1000"):
        export_onnx(fitted, tmp_path / "m.onnx", opset=1000)
    with pytest.raises(TypeError, match="opset must be an int"):
        export_onnx(fitted, tmp_path / "m.onnx", opset="17")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("activation", [("relu", "tanh"), ("leaky_relu", "logistic")])
def test_an_mlp_with_one_activation_per_layer_exports(tmp_path, activation):
    ort = pytest.importorskip("onnxruntime")
    X = np.random.default_rng(0).standard_normal((60, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier((4, 3), activation=activation, max_iter=20, random_state=0).fit(X, y)
    path = deepstep.export_onnx(clf, tmp_path / "m.onnx")
    label, proba = ort.InferenceSession(str(path)).run(None, {"X": X})
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(label, clf.predict(X))
