"""skl2onnx converts deepstep's estimators, bare and inside Pipelines; onnxruntime is the oracle.

Every case fits a scikit-learn Pipeline (StandardScaler, MinMaxScaler, or a
ColumnTransformer with a OneHotEncoder) ending in one of the four
estimators, in float32 and float64, converts it with ``skl2onnx.to_onnx``
and with ``deepstep.export_onnx``, and runs both in onnxruntime against
``predict`` / ``predict_proba``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler  # noqa: E402

import deepstep  # noqa: E402
from deepstep import DNNClassifier, DNNRegressor, MLPClassifier, MLPRegressor  # noqa: E402

TOL = {np.float32: 1e-5, np.float64: 1e-9}
PREPROCESSORS = {
    "standard": lambda: StandardScaler(),
    "minmax": lambda: MinMaxScaler(),
    "onehot": lambda: ColumnTransformer([("num", StandardScaler(), [0, 1, 2]),
                                         ("cat", OneHotEncoder(handle_unknown="ignore"), [3])]),
}
ESTIMATORS = {
    "DNNClassifier": lambda: DNNClassifier((6,), max_iter=40, random_state=0),
    "MLPClassifier": lambda: MLPClassifier(hidden_layer_sizes=(6,), max_iter=40, random_state=0),
    "DNNRegressor": lambda: DNNRegressor((6,), max_iter=40, random_state=0),
    "MLPRegressor": lambda: MLPRegressor(hidden_layer_sizes=(6,), max_iter=40, random_state=0),
}


def _data(dtype, m=90):
    """Three continuous columns and a category coded 0, 1, 2; three classes and a target."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.standard_normal((m, 3)) * [1, 5, 0.1] + [0, 10, -3],
                         rng.integers(0, 3, m)]).astype(dtype)
    score = X[:, 0] + X[:, 3] - 1
    return X, np.digitize(score, [-0.5, 0.5]), score.astype(dtype)


def _fit(est_name, pre_name, dtype):
    X, classes, target = _data(dtype)
    classifier = "Classifier" in est_name
    with _NoCheck():
        pipe = make_pipeline(PREPROCESSORS[pre_name](), ESTIMATORS[est_name]())
        pipe.fit(X, classes if classifier else target)
    return pipe, X, classifier


class _NoCheck:  # fits that stop at max_iter warn; that is not what is tested here
    def __enter__(self):
        import warnings
        self._c = warnings.catch_warnings()
        self._c.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._c.__exit__(*exc)


def _run(model, X):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: X}), strict=True))


def _check(out, pipe, X, classifier, dtype):
    if classifier:
        np.testing.assert_array_equal(out["label"], pipe.predict(X))
        np.testing.assert_allclose(out["probabilities"], pipe.predict_proba(X),
                                   rtol=TOL[dtype], atol=TOL[dtype])
        assert out["probabilities"].dtype == dtype
    else:
        np.testing.assert_allclose(out["variable"].ravel(), pipe.predict(X),
                                   rtol=TOL[dtype], atol=TOL[dtype])
        assert out["variable"].dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("pre_name", sorted(PREPROCESSORS))
@pytest.mark.parametrize("est_name", sorted(ESTIMATORS))
def test_skl2onnx_converts_a_pipeline_ending_in_each_estimator(est_name, pre_name, dtype):
    pipe, X, classifier = _fit(est_name, pre_name, dtype)
    options = {"zipmap": False} if classifier else None
    model = skl2onnx.to_onnx(pipe, X[:1], options=options, target_opset=17)
    _check(_run(model, X), pipe, X, classifier, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("pre_name", sorted(PREPROCESSORS))
@pytest.mark.parametrize("est_name", sorted(ESTIMATORS))
def test_export_onnx_takes_such_a_pipeline(est_name, pre_name, dtype, tmp_path):
    import onnx

    pipe, X, classifier = _fit(est_name, pre_name, dtype)
    path = deepstep.export_onnx(pipe, tmp_path / "pipe.onnx", input_dtype=dtype)
    model = onnx.load(path)
    assert [i.name for i in model.graph.input] == ["X"]
    # by default the input has the final estimator's dtype (float64 after a OneHotEncoder)
    final = pipe.steps[-1][1]
    weights = final.coefs_[0] if hasattr(final, "coefs_") else final.parameters_["W1"]
    default = onnx.load(deepstep.export_onnx(pipe, tmp_path / "default.onnx"))
    elem = default.graph.input[0].type.tensor_type.elem_type
    assert onnx.helper.tensor_dtype_to_np_dtype(elem) == weights.dtype
    _check(_run(model, X), pipe, X, classifier, dtype)


@pytest.mark.parametrize("est_name", ["DNNClassifier", "MLPClassifier"])
def test_the_default_zipmap_gives_one_dict_of_probabilities_per_row(est_name):
    pipe, X, _ = _fit(est_name, "standard", np.float32)
    out = _run(skl2onnx.to_onnx(pipe, X[:1]), X)
    proba = pipe.predict_proba(X)
    got = np.array([[row[c] for c in pipe.classes_] for row in out["output_probability"]])
    np.testing.assert_allclose(got, proba, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(out["output_label"], pipe.predict(X))


@pytest.mark.parametrize("est_name", sorted(ESTIMATORS))
def test_a_float32_model_fed_float64_casts_in_and_out(est_name, tmp_path):
    """to_onnx with float64 rows: the graph takes float64, computes as the float32 model."""
    X32, classes, target = _data(np.float32)
    est = ESTIMATORS[est_name]()
    classifier = "Classifier" in est_name
    with _NoCheck():
        est.fit(X32, classes if classifier else target)
    X64 = X32.astype(np.float64) + 1e-3  # rows float32 cannot hold exactly
    out = _run(skl2onnx.to_onnx(est, X64[:1], options={"zipmap": False} if classifier else None),
               X64)
    key = "probabilities" if classifier else "variable"
    assert out[key].dtype == np.float64
    want = est.predict_proba(X64) if classifier else est.predict(X64)
    np.testing.assert_allclose(out[key].reshape(want.shape), want, rtol=1e-5, atol=1e-5)
    # export_onnx: the model's dtype by default, float64 input on request
    strict = _run_file(deepstep.export_onnx(est, tmp_path / "m32.onnx"), X64, expect_error=True)
    assert "tensor(float)" in strict
    cast = _run_file(deepstep.export_onnx(est, tmp_path / "m64in.onnx", input_dtype=np.float64),
                     X64)
    np.testing.assert_allclose(cast[key].reshape(want.shape), want, rtol=1e-5, atol=1e-5)
    assert cast[key].dtype == np.float32  # the model's dtype: only the input is float64


def _run_file(path, X, expect_error=False):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    try:
        values = session.run(None, {"X": X})
    except Exception as error:  # onnxruntime's InvalidArgument
        if expect_error:
            return str(error)
        raise
    assert not expect_error, "a float32 graph took float64 rows"
    return dict(zip(names, values, strict=True))


def test_export_onnx_refuses_a_pipeline_not_ending_in_a_deepstep_estimator(tmp_path):
    X, classes, _ = _data(np.float64)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, classes)
    with pytest.raises(TypeError, match=r"last step must be a deepstep estimator.*"
                                        r"LogisticRegression"):
        deepstep.export_onnx(pipe, tmp_path / "x.onnx")
    with pytest.raises(TypeError, match=r"input_dtype must be numpy\.float32 or numpy\.float64"):
        deepstep.export_onnx(ESTIMATORS["DNNRegressor"]().fit(X, X[:, 0]), tmp_path / "y.onnx",
                             input_dtype=np.int64)


@pytest.mark.parametrize("order", ["deepstep-first", "skl2onnx-first"])
def test_importing_deepstep_registers_the_converters_in_either_order(order):
    first, second = ("import deepstep", "import skl2onnx") if order == "deepstep-first" else \
        ("import skl2onnx", "import deepstep")
    script = textwrap.dedent(f"""\
        import sys
        {first}
        {second}
        import numpy as np
        from deepstep import MLPRegressor
        X = np.random.default_rng(0).standard_normal((30, 3))
        reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, X[:, 0])
        model = skl2onnx.to_onnx(reg, X[:1])
        print([o.name for o in model.graph.output])
        """)
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['variable']"


def test_import_deepstep_does_not_import_skl2onnx():
    done = subprocess.run([sys.executable, "-c", "import sys, deepstep; "
                           "print('skl2onnx' in sys.modules)"], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "False"
