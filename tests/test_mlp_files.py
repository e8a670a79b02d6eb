"""MLPClassifier and MLPRegressor in deepstep's safe model files: save, load, the command line.

A loaded model must predict bit for bit what the saved one predicts (the
oracle is the saved model itself, fitted in the test), keep scikit-learn's
fitted attributes (only those the fit set), and a tampered file must be a
ModelFileError, never a model that predicts something else.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import numpy as np
import pytest
from PIL import Image
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import deepstep
from deepstep import DNNClassifier, MLPClassifier, MLPRegressor
from deepstep.cli import main
from deepstep.io import ModelFileError

SOLVERS = ["lbfgs", "sgd", "adam"]
DTYPES = [np.float32, np.float64]
KINDS = ["binary", "multiclass", "multilabel", "regressor_1", "regressor_2"]
#: Every fitted attribute a file keeps, where the fit set it.
ATTRIBUTES = ["n_layers_", "n_outputs_", "out_activation_", "n_features_in_", "loss_",
              "loss_curve_", "best_loss_", "n_iter_", "t_", "validation_scores_",
              "best_validation_score_", "_no_improvement_count"]


def _X(dtype, n=60, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 5)).astype(dtype)


def _target(kind, X):
    s = X[:, 0].astype(np.float64) + 0.5 * X[:, 1]
    if kind == "binary":
        return np.where(s > 0, 7, 3)
    if kind == "multiclass":
        return np.array(["cat", "dog", "fox"])[np.digitize(s, [-0.4, 0.4])]
    if kind == "multilabel":
        return np.column_stack([s > 0, X[:, 2] > 0, X[:, 3] > 0.3]).astype(int)
    if kind == "regressor_1":
        return s
    return np.column_stack([s, X[:, 2] - X[:, 3]])


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _model(kind, solver, **params):
    cls = MLPRegressor if kind.startswith("regressor") else MLPClassifier
    return cls(hidden_layer_sizes=(6, 4), solver=solver, max_iter=15, random_state=0, **params)


def _assert_same_model(loaded, model, X):
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
        assert loaded._label_binarizer.y_type_ == model._label_binarizer.y_type_
    assert loaded.get_params() == model.get_params()
    for a, b in zip([*loaded.coefs_, *loaded.intercepts_], [*model.coefs_, *model.intercepts_],
                    strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    for name in ATTRIBUTES:
        assert hasattr(loaded, name) == hasattr(model, name), name
        if hasattr(model, name):
            assert getattr(loaded, name) == getattr(model, name), name


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_loaded_mlp_predicts_exactly_what_the_saved_one_does(kind, solver, dtype, tmp_path):
    X = _X(dtype)
    model = _fit(_model(kind, solver), X, _target(kind, X))
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    _assert_same_model(loaded, model, X)
    X_new = _X(dtype, n=30, seed=1)
    _assert_same_model(loaded, model, X_new)
    assert loaded.predict(X_new).dtype == model.predict(X_new).dtype
    if kind == "multiclass":
        assert loaded.classes_.tolist() == ["cat", "dog", "fox"]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["binary", "regressor_1"])
def test_early_stopping_keeps_the_validation_scores(kind, solver, tmp_path):
    X = _X(np.float64, n=80)
    model = _fit(_model(kind, solver, early_stopping=True, n_iter_no_change=np.inf), X,
                 _target(kind, X))
    assert model.validation_scores_ and model.best_loss_ is None
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    _assert_same_model(loaded, model, X)
    assert loaded.n_iter_no_change == np.inf  # JSON has no infinity: written as a tag


def test_a_poisson_regressor_keeps_its_exponential_output(tmp_path):
    X = _X(np.float64)
    y = np.random.default_rng(1).poisson(np.exp(0.3 * X[:, 0]))
    model = _fit(MLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=20,
                              random_state=0), X, y)
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    assert loaded.out_activation_ == "exp"
    _assert_same_model(loaded, model, X)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_warm_start_from_a_loaded_model_trains_as_from_the_saved_one(solver, early_stopping,
                                                                       tmp_path):
    X = _X(np.float64, n=80)
    y = _target("binary", X)
    model = _fit(_model("binary", solver, early_stopping=early_stopping), X, y)
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    for m in (model, loaded):
        _fit(m.set_params(warm_start=True, max_iter=5), X, y)
    _assert_same_model(loaded, model, X)


def test_a_random_state_instance_is_dropped_as_the_dnn_drops_it(tmp_path):
    X = _X(np.float64)
    model = _fit(_model("binary", "adam").set_params(random_state=np.random.RandomState(0)),
                 X, _target("binary", X))
    model.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    assert loaded.random_state is None
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_one_class_classifier_round_trips(tmp_path):
    X = _X(np.float64)
    model = _fit(MLPClassifier((3,), max_iter=5, random_state=0), X, np.full(len(X), "cat"))
    model.save(tmp_path / "m.npz")
    _assert_same_model(deepstep.load(tmp_path / "m.npz"), model, X)


# ------------------------------------------------------------------ save's contract


def test_save_checks_the_path_first_then_the_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        MLPClassifier().save(tmp_path / "missing" / "m.npz")  # not fitted: the path first
    with pytest.raises(NotFittedError):
        MLPRegressor().save(tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_save_keeps_and_checks_input_shape_and_class_names(tmp_path):
    X = _X(np.float64, n=60)
    X = np.tile(X, (1, 4))[:, :12]
    clf = _fit(MLPClassifier((3,), max_iter=5, random_state=0), X, _target("binary", X))
    with pytest.raises(ValueError, match=r"MLPClassifier\.save: input_shape .* 12 features"):
        clf.save(tmp_path / "m.npz", input_shape=(5, 5))
    with pytest.raises(ValueError, match=r"MLPClassifier\.save: class_names must be 2 strings"):
        clf.save(tmp_path / "m.npz", class_names=["one"])
    reg = _fit(MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0), X, X[:, 0])
    with pytest.raises(ValueError, match=r"MLPRegressor\.save: class_names is for classifiers"):
        reg.save(tmp_path / "m.npz", class_names=["a"])
    assert not list(tmp_path.iterdir())
    clf.save(tmp_path / "m.npz", input_shape=(2, 2, 3), class_names=[b"low", "high"])
    loaded = deepstep.load(tmp_path / "m.npz")
    assert loaded.metadata_ == {"input_shape": [2, 2, 3], "class_names": ["low", "high"]}


def test_the_weights_are_stored_in_the_engine_orientation(tmp_path):
    X = _X(np.float32)
    model = _fit(_model("multiclass", "adam"), X, _target("multiclass", X))
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as arrays:
        for l, (c, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True), 1):
            np.testing.assert_array_equal(arrays[f"W{l}"], c.T)
            np.testing.assert_array_equal(arrays[f"b{l}"], b[:, None])
            assert arrays[f"W{l}"].dtype == np.float32


# ------------------------------------------------------------------ tampered files


def _rewrite(path, config_change=None, arrays_change=None):
    """Rewrite a model file with its config or arrays changed (as an attacker would)."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members.pop("config.json"))
    arrays = {n[:-4]: np.load(io.BytesIO(data), allow_pickle=False)
              for n, data in members.items()}
    if config_change:
        config_change(config)
    if arrays_change:
        arrays_change(arrays)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("config.json", json.dumps(config))
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            zf.writestr(f"{name}.npy", buffer.getvalue())


def _drop_hidden_layer(config):
    config["layer_sizes"].pop(1)
    config["activations"].pop(0)


def _set(section, key, value):
    def change(config):
        (config[section] if section else config)[key] = value
    return change


TAMPERED = {
    "wrong shape array": (None, lambda a: a.update(W1=np.zeros((6, 4), a["W1"].dtype)),
                          "W1.npy: shape"),
    "a layer too few": (_drop_hidden_layer, None, "members do not match"),
    "hidden sizes not the layers'": (_set("params", "hidden_layer_sizes", [6]), None,
                                     "hidden_layer_sizes"),
    "unknown estimator": (_set(None, "estimator", "MLPClassifer"), None,
                          "unknown estimator 'MLPClassifer'"),
    "a class too many": (_set(None, "classes", [3, 7, 9]), None, "cannot have the classes"),
    "classes not sorted": (_set(None, "classes", [7, 3]), None, "cannot have the classes"),
    "unknown target type": (_set("mlp_state", "y_type", "continuous"), None, "'y_type'"),
    "activation not the file's": (_set("params", "activation", "tanh"), None,
                                  "do not match activation='tanh'"),
    "invalid parameter": (_set("params", "solver", "newton"), None, "solver"),
    "negative iteration count": (_set("mlp_state", "n_iter_", -1), None, "n_iter_"),
    "loss curve of strings": (_set("mlp_state", "loss_curve_", ["1.0"]), None, "loss_curve_"),
    "no fitted state": (lambda c: c.pop("mlp_state"), None, "mlp_state"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_mlp_file_is_a_model_file_error(case, tmp_path):
    config_change, arrays_change, message = TAMPERED[case]
    X = _X(np.float64)
    _fit(_model("binary", "adam"), X, _target("binary", X)).save(tmp_path / "m.npz")
    _rewrite(tmp_path / "m.npz", config_change, arrays_change)
    with pytest.raises(ModelFileError, match=message) as info:
        deepstep.load(tmp_path / "m.npz")
    assert str(info.value).startswith(str(tmp_path / "m.npz"))


def test_a_dnn_file_renamed_mlp_is_refused(tmp_path):
    X = _X(np.float64)
    DNNClassifier((3,), max_iter=2, tol=None).fit(X, X[:, 0] > 0).save(tmp_path / "m.npz")
    _rewrite(tmp_path / "m.npz", _set(None, "estimator", "MLPClassifier"))
    with pytest.raises(ModelFileError, match="mlp_state"):
        deepstep.load(tmp_path / "m.npz")


# ------------------------------------------------------------------ the command line


def cli(capsys, *args):
    """Run the command in this process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_cli_evaluates_and_predicts_with_an_mlp_on_the_builtin_digits(tmp_path, monkeypatch,
                                                                           capsys):
    from deepstep.datasets import images_to_matrix, load_digits_binary, load_image

    monkeypatch.chdir(tmp_path)
    data = load_digits_binary()
    X = images_to_matrix(data.train_x, dtype=np.float32)
    clf = _fit(MLPClassifier((16,), max_iter=30, random_state=0), X, data.train_y)
    clf.save("digits.npz", input_shape=data.train_x.shape[1:], class_names=data.classes)

    status, out, err = cli(capsys, "evaluate", "digits.npz")
    assert status == 0, err
    accuracy = clf.score(images_to_matrix(data.test_x, dtype=np.float32), data.test_y)
    assert f"accuracy: {accuracy:.4f}" in out.splitlines()
    assert "confusion matrix" in out

    Image.fromarray(data.test_x[0][..., 0]).save("digit.png")
    status, out, err = cli(capsys, "predict", "digits.npz", "digit.png")
    assert status == 0, err
    proba = clf.predict_proba(images_to_matrix(load_image("digit.png", (8, 8), channels=1)[None],
                                               dtype=np.float32))[0]
    k = int(np.argmax(proba))
    assert out == f"digit.png: {data.classes[k]} {proba[k]:.2f}\n"


def test_the_cli_evaluates_and_predicts_with_an_mlp_on_the_course_images(
        tmp_path, monkeypatch, cat_dir, capsys):
    from deepstep.datasets import images_to_matrix, load_catvnoncat

    monkeypatch.chdir(tmp_path)
    data = load_catvnoncat(cat_dir)
    clf = _fit(MLPClassifier((7,), max_iter=5, random_state=1), images_to_matrix(data.train_x),
               data.train_y)
    clf.save("cat-mlp.npz", input_shape=data.train_x.shape[1:], class_names=data.classes)

    status, out, err = cli(capsys, "evaluate", "cat-mlp.npz", "--data", cat_dir)
    assert status == 0, err
    accuracy = clf.score(images_to_matrix(data.test_x), data.test_y)
    assert f"accuracy: {accuracy:.4f}" in out.splitlines() and "50 examples" in out
    lines = out.splitlines()
    header = lines[lines.index("confusion matrix (rows: true class, columns: predicted "
                               "class)") + 1]
    assert header.split() == ["non-cat", "cat"]

    Image.fromarray(data.test_x[0]).save("photo.png")  # lossless: the same pixels come back
    status, out, err = cli(capsys, "predict", "cat-mlp.npz", "photo.png")
    assert status == 0, err
    proba = clf.predict_proba(images_to_matrix(data.test_x[:1]))[0]
    k = int(np.argmax(proba))
    assert out == f"photo.png: {data.classes[k]} {proba[k]:.2f}\n"


def test_an_mlp_regressor_is_refused_by_evaluate_and_predict(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).random((20, 64))
    _fit(MLPRegressor(hidden_layer_sizes=(3,), max_iter=2), X, X[:, 0]).save(
        "reg.npz", input_shape=(8, 8, 1))
    Image.new("L", (8, 8)).save("x.png")
    for args in (["evaluate", "reg.npz"], ["predict", "reg.npz", "x.png"]):
        status, _, err = cli(capsys, *args)
        assert status == 2 and err == ("deepstep: error: model reg.npz is an MLPRegressor; "
                                       "expected a classifier (an MLPClassifier)\n")


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["multiclass", "regressor_2"])
def test_cli_export_of_an_mlp_file_runs_in_onnxruntime(kind, dtype, tmp_path, capsys):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    X = _X(dtype)
    model = _fit(_model(kind, "adam"), X, _target(kind, X))
    model.save(tmp_path / "m.npz")
    status, out, err = cli(capsys, "export", tmp_path / "m.npz", tmp_path / "m.onnx")
    assert status == 0, err
    assert out == f"model exported to {tmp_path / 'm.onnx'}\n"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, {"X": X}), strict=True))
    tol = 1e-5 if dtype == np.float32 else 1e-9
    if kind == "multiclass":
        np.testing.assert_array_equal(got["label"], model.predict(X))
        np.testing.assert_allclose(got["probabilities"], model.predict_proba(X), rtol=0,
                                   atol=tol)
    else:
        np.testing.assert_allclose(got["variable"], model.predict(X), rtol=tol, atol=tol)



@pytest.mark.parametrize("cls", ["DNNClassifier", "MLPClassifier"])
def test_a_model_fitted_on_a_dataframe_keeps_its_feature_names(cls, tmp_path):
    import warnings

    import pandas as pd

    import deepstep

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.standard_normal((30, 3)), columns=["age", "height", "weight"])
    y = (frame["age"] > 0).astype(int)
    est = getattr(deepstep, cls)((3,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(frame, y)
    est.save(tmp_path / "m.npz")
    loaded = deepstep.load(tmp_path / "m.npz")
    assert list(loaded.feature_names_in_) == ["age", "height", "weight"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X has feature names, but ... fitted without"
        np.testing.assert_array_equal(loaded.predict_proba(frame), est.predict_proba(frame))
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame[["weight", "height", "age"]])
