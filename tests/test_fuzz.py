"""Property-based fuzzing of deepstep's public surface with hypothesis.

The contract under test: every public call either returns a correct, finite
result, or raises ``ValueError`` or ``TypeError`` with a non-empty message.
Never another exception type (IndexError, KeyError, AttributeError,
ZeroDivisionError, FloatingPointError, ...), never a hang, never NaN or
infinity returned silently, and never a ``RuntimeWarning``.

Targets:

* the course's step functions (:mod:`deepstep.steps`) and the activations of
  :mod:`deepstep.activations`, checked against float64 oracles;
* :class:`deepstep.DNNClassifier` and :class:`deepstep.DNNRegressor`: ``fit``,
  ``partial_fit``, ``predict`` and ``predict_proba``;
* :func:`deepstep.load` on arbitrary bytes, damaged model files and model
  files whose ``config.json`` is fuzzed: it loads or raises ``ModelFileError``;
* the ``deepstep`` command, in-process through ``deepstep.cli.main(argv)``
  and, for a handful of examples, as ``python -m deepstep`` subprocesses: a
  bad input gives a non-zero exit status, one ``error:`` line on stderr and
  never a traceback.

Inputs cover arbitrary shapes (0 and 1 included), dtypes (bool, int, float16,
float32, float64, complex, object, strings, datetimes), NaN and infinities,
huge (1e300) and tiny (1e-300, subnormal) values, mismatched lengths, Python
lists and pandas DataFrame / Series. Most tests run in three regimes, so that
one bug does not hide the next: ``moderate`` values in [-10, 10] (empty
batches included), ``extreme`` finite values (huge, tiny, subnormal) and
``nonfinite`` (NaN and infinities among moderate values). Estimator,
backward-pass and command-line examples are half "sane" (valid types and
shapes, only the values fuzzed: these must succeed in the moderate regime) and
half anything-goes.

Profiles, chosen with the environment variable ``DEEPSTEP_FUZZ_PROFILE``:

* ``ci`` (default; derandomized, the same examples on every run): 200
  examples per test (100 per regime; fewer for the slow
  estimator and command-line tests), the whole file in about a minute once
  the bugs it finds are fixed (shrinking new failures takes longer);
* ``long``: 5000 examples per test, scaled down the same way, for a fuzzing
  session::

      DEEPSTEP_FUZZ_PROFILE=long pytest tests/test_fuzz.py

The profiles are registered under private names and applied only by this
file's decorators (never ``settings.load_profile``), so other test files keep
hypothesis's defaults.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import subprocess
import sys
import threading
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special
from sklearn.exceptions import DataConversionWarning

import deepstep
from deepstep import activations as acts
from deepstep import steps
from deepstep.cli import main as cli_main
from deepstep.training import DivergenceWarning

# --------------------------------------------------------------------------- profiles

_PROFILE_EXAMPLES = {"ci": 200, "long": 5000}
for _name, _n in _PROFILE_EXAMPLES.items():
    settings.register_profile(
        f"deepstep-fuzz-{_name}",
        max_examples=_n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
        print_blob=True,
        # CI runs the same examples every time (a failure there is reproducible,
        # never a flake); the long profile explores new ones on every run.
        derandomize=_name == "ci",
    )

PROFILE = os.environ.get("DEEPSTEP_FUZZ_PROFILE", "ci")
if PROFILE not in _PROFILE_EXAMPLES:
    raise ValueError(f"DEEPSTEP_FUZZ_PROFILE must be one of {sorted(_PROFILE_EXAMPLES)}, "
                     f"got {PROFILE!r}")
_BASE = settings.get_profile(f"deepstep-fuzz-{PROFILE}")


def fuzz(share: float = 1.0, cap: int | None = None, floor: int = 5) -> settings:
    """The profile's settings with ``share`` of its examples, within [floor, cap]."""
    n = max(floor, round(_BASE.max_examples * share))
    return settings(_BASE, max_examples=n if cap is None else min(n, cap))


FUZZ = fuzz()
#: For the tests run once per regime (moderate, extreme, nonfinite): half as many each.
FUZZ_REGIME = fuzz(0.5)

#: Seconds after which one call counts as a hang.
HANG_SECONDS = 60

# --------------------------------------------------------------------------- contract


class HangError(Exception):
    """A call did not return within HANG_SECONDS."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise HangError in the main thread if the block runs longer than ``seconds``."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise HangError(f"the call did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Rejected:
    def __repr__(self) -> str:
        return "REJECTED"


#: What attempt() returns when the call raised ValueError or TypeError.
REJECTED = _Rejected()


def attempt(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; its result, or REJECTED after a ValueError / TypeError with a message.

    Any other exception, and any RuntimeWarning (turned into an error), escapes
    and fails the test: that is the contract being fuzzed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", DivergenceWarning)  # documented: training stopped
        warnings.simplefilter("ignore", DataConversionWarning)  # y of shape (n, 1)
        with time_limit(HANG_SECONDS):
            try:
                return fn(*args, **kwargs)
            except (ValueError, TypeError) as exc:
                assert str(exc).strip(), f"{type(exc).__name__} raised with an empty message"
                return REJECTED


def assert_finite(x: Any, what: str) -> None:
    a = np.asarray(x)
    assert a.dtype.kind == "f", f"{what}: expected a float array, got dtype {a.dtype}"
    bad = ~np.isfinite(a)
    assert not bad.any(), (f"{what}: {int(bad.sum())} NaN/inf value(s) returned silently, "
                           f"e.g. {a[bad].ravel()[:3]}")


def float_dtype(x: Any) -> np.dtype:
    """The float dtype deepstep computes ``x`` in: float32 for float16/32, else float64."""
    dt = np.asarray(x).dtype
    if dt.kind == "f" and dt.itemsize <= 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def expected_dtype(*xs: Any) -> np.dtype | None:
    """The output dtype when every input computes in the same dtype, else None (mixed)."""
    dts = {float_dtype(x) for x in xs}
    return dts.pop() if len(dts) == 1 else None


def check_dtype(out: Any, inputs: tuple[Any, ...], what: str) -> None:
    exp = expected_dtype(*inputs)
    got = np.asarray(out).dtype
    if exp is None:
        assert got in (np.float32, np.float64), f"{what}: dtype {got}"
    else:
        assert got == exp, f"{what}: dtype {got}, expected {exp} (float dtype not preserved)"


def tolerance(dtype: np.dtype | None) -> tuple[float, float]:
    """(relative, absolute) slack of a short sum in ``dtype`` (float32 when mixed)."""
    if dtype == np.float64:
        return 1e-13, 1e-300
    return 2e-5, 1e-36


def f64(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def assert_within(actual: Any, ref: np.ndarray, bound: np.ndarray, dtype: np.dtype | None,
                  what: str, factor: float = 1.0) -> None:
    """|actual - ref| <= rtol * factor * bound + atol wherever the float64 oracle is finite."""
    rtol, atol = tolerance(dtype)
    with np.errstate(all="ignore"):
        a = f64(actual)
        ok = np.isfinite(ref) & np.isfinite(bound)
        err = np.abs(a - ref)
        bad = ok & ~(err <= rtol * factor * bound + atol)
    assert not bad.any(), (f"{what}: differs from the float64 oracle, e.g. got "
                           f"{a[bad].ravel()[:3]}, expected {ref[bad].ravel()[:3]}")


def same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    try:
        return np.array_equal(a, b, equal_nan=True)
    except TypeError:  # object or string arrays have no NaN
        return np.array_equal(a, b)


def numeric(x: Any) -> bool:
    """Whether ``x`` is a real numeric array-like (what deepstep must accept as data)."""
    if x is None or isinstance(x, (str, bytes, dict, set, frozenset)):
        return False
    try:
        a = np.asarray(x)
    except (ValueError, TypeError):
        return False
    return a.dtype.kind in "fiub"


def shape_of(x: Any) -> tuple[int, ...] | None:
    try:
        return np.shape(x)
    except (ValueError, TypeError):
        return None


def is_matrix(x: Any) -> bool:
    return numeric(x) and np.ndim(x) == 2


def assert_accepted_ok(ok: bool, what: str, args: Any) -> None:
    assert ok, f"{what}: accepted invalid input {args!r}"


# --------------------------------------------------------------------------- strategies

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
FLOATS = (F16, F32, F64)
#: Dtypes of real inputs, floats weighted up.
REAL_DTYPES = (F64, F64, F64, F32, F32, F16, np.dtype(np.int64), np.dtype(np.int8),
               np.dtype(np.uint8), np.dtype(bool))
REGIMES = ("moderate", "extreme", "nonfinite")
BIG_AND_TINY = (1e300, -1e300, 1e-300, -1e-300, 5e-324, 1.7976931348623157e308, -1e308,
                3.4e38, 65504.0, 1e-45)
NONFINITE = (math.nan, math.inf, -math.inf)
ACTIVATION_NAMES = ("relu", "sigmoid", "tanh", "leaky_relu", "identity", "softmax")

small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)

#: Values that are no numeric array at all, or arrays of a wrong kind or shape.
GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.frozensets(st.integers(), max_size=2),
    st.lists(st.one_of(st.integers(), st.lists(st.floats(), max_size=2)), max_size=3),
    hnp.arrays(hnp.complex_number_dtypes(), small_shapes),
    hnp.arrays(hnp.unicode_string_dtypes(max_len=3), small_shapes),
    hnp.arrays(hnp.datetime64_dtypes(), small_shapes),
    hnp.arrays(np.dtype(object), small_shapes,
               elements=st.one_of(st.integers(), st.text(max_size=2), st.none())),
    hnp.arrays(st.sampled_from(FLOATS), small_shapes, elements=st.floats(-10, 10, width=16)),
    st.builds(object),
)


def elements(dtype: np.dtype, regime: str) -> st.SearchStrategy:
    """Element values of ``dtype`` for one regime (moderate, extreme or nonfinite)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        small = st.integers(max(int(info.min), -10), min(int(info.max), 10))
        return small if regime == "moderate" else st.one_of(
            small, st.integers(int(info.min), int(info.max)))
    moderate = st.floats(-10, 10, width=dtype.itemsize * 8)
    if regime == "moderate":
        return moderate
    if regime == "nonfinite":  # NaN and inf among ordinary values (huge ones are "extreme")
        return st.one_of(moderate, st.sampled_from(NONFINITE))
    finite = hnp.from_dtype(dtype, allow_nan=False, allow_infinity=False)
    if dtype == F64:
        finite = st.one_of(finite, st.sampled_from(BIG_AND_TINY))
    return st.one_of(moderate, finite)


def draw_dtype(data: Any, regime: str, label: str = "dtype") -> np.dtype:
    pool = FLOATS if regime == "nonfinite" else REAL_DTYPES
    return data.draw(st.sampled_from(pool), label=label)


def draw_array(data: Any, shape: tuple[int, ...], regime: str, dtype: Any = None,
               label: str = "array") -> np.ndarray:
    dtype = draw_dtype(data, regime, f"{label} dtype") if dtype is None else np.dtype(dtype)
    return data.draw(hnp.arrays(dtype, shape, elements=elements(dtype, regime)), label=label)


def containerize(data: Any, arr: np.ndarray, label: str) -> Any:
    """The array as it is (mostly), as nested lists, or as a pandas DataFrame / Series."""
    how = data.draw(st.sampled_from(["array"] * 6 + ["list", "pandas"]), label=f"{label} as")
    if how == "list":
        return arr.tolist()
    if how == "pandas" and arr.ndim == 2:
        return pd.DataFrame(arr)
    if how == "pandas" and arr.ndim == 1:
        return pd.Series(arr)
    return arr


def perturb(data: Any, args: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Maybe replace one argument by garbage; returns the arguments and the name replaced."""
    which = data.draw(st.sampled_from([None, None, None, *args]), label="garbage argument")
    if which is not None:
        args = {**args, which: data.draw(GARBAGE, label=f"{which} (garbage)")}
    return args, which


# --------------------------------------------------------------------------- oracles


def ref_activation(name: str, Z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if name == "relu":
            return np.maximum(Z, 0.0)
        if name == "leaky_relu":
            return np.where(Z > 0, Z, 0.01 * Z)
        if name == "tanh":
            return np.tanh(Z)
        if name == "sigmoid":
            return special.expit(Z)
        if name == "identity":
            return Z.copy()
        return special.softmax(Z, axis=0)


def ref_activation_backward(name: str, dA: np.ndarray, Z: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """dZ = dA * g'(Z) in float64, and a bound on the magnitudes it sums."""
    with np.errstate(all="ignore"):
        if name == "softmax":
            A = special.softmax(Z, axis=0)
            s = np.sum(dA * A, axis=0, keepdims=True)
            bound = A * (np.abs(dA) + np.sum(np.abs(dA) * A, axis=0, keepdims=True))
            return A * (dA - s), bound
        if name == "relu":
            g = (Z > 0).astype(np.float64)
        elif name == "leaky_relu":
            g = np.where(Z > 0, 1.0, 0.01)
        elif name == "tanh":
            g = 1 - np.tanh(Z) ** 2
        elif name == "sigmoid":
            s = special.expit(Z)
            g = s * (1 - s)
        else:
            g = np.ones_like(Z)
        if name in ("tanh", "sigmoid"):
            # The course's s (1 - s) and 1 - t^2 cancel where the unit saturates:
            # their error is eps in absolute terms, not relative to g.
            return dA * g, np.abs(dA)
        return dA * g, np.abs(dA * g)


def ref_linear(A: Any, W: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Z = W A + b in float64, and the bound |W| |A| + |b| of its rounding error."""
    A, W, b = f64(A), f64(W), f64(b)
    with np.errstate(all="ignore"):
        return W @ A + b, np.abs(W) @ np.abs(A) + np.abs(b)


# --------------------------------------------------------------------------- activations


def activation_input(data: Any, name: str, regime: str) -> Any:
    if name == "softmax":
        shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=4),
                          label="shape")
    else:
        shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
                          label="shape")
    return draw_array(data, shape, regime, label="Z")


def check_activation_forward(name: str, Z: Any, out: Any) -> None:
    A, cache = out
    shape = np.shape(np.asarray(Z))
    assert np.shape(A) == shape, f"{name}: A has shape {np.shape(A)}, Z {shape}"
    check_dtype(A, (Z,), name)
    assert_finite(A, f"{name}(Z)")
    assert same(cache, f64(Z).astype(np.asarray(cache).dtype)), f"{name}: cache is not Z"
    ref = ref_activation(name, f64(Z))
    assert_within(A, ref, np.maximum(np.abs(ref), 1e-300), float_dtype(Z), name, 4)
    if name in ("sigmoid", "softmax"):
        assert np.all((A >= 0) & (A <= 1)), f"{name}: values outside [0, 1]"
    if name == "softmax" and A.shape[0]:
        assert_within(A.sum(axis=0), np.ones(A.shape[1]), np.ones(A.shape[1]),
                      float_dtype(Z), "softmax column sums", 10)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@fuzz(0.5)
@given(data=st.data(), regime=st.sampled_from(("moderate", "extreme")))
def test_activation_forward_finite_input(name, data, regime):
    """Finite numeric Z of any shape: A = g(Z), finite, same shape, float dtype kept."""
    Z = containerize(data, activation_input(data, name, regime), "Z")
    out = attempt(getattr(acts, name), Z)
    if out is REJECTED:
        assert name == "softmax" and (np.ndim(Z) != 2 or np.size(Z) == 0), \
            f"{name} rejected finite numeric input"
        return
    check_activation_forward(name, Z, out)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@fuzz(0.25)
@given(data=st.data())
def test_activation_forward_nonfinite_input(name, data):
    """NaN or inf in Z: a ValueError, or a correct finite A (e.g. sigmoid(inf) = 1)."""
    Z = activation_input(data, name, "nonfinite")
    out = attempt(getattr(acts, name), Z)
    if out is not REJECTED:
        check_activation_forward(name, Z, out)


@pytest.mark.parametrize("regime", REGIMES)
@fuzz(0.5)
@given(data=st.data(), name=st.sampled_from(ACTIVATION_NAMES))
def test_activation_backward(regime, data, name):
    """dZ = dA * g'(Z): same shape, finite, matching the float64 oracle; inputs untouched."""
    Z = activation_input(data, name, regime)
    shape = Z.shape
    if data.draw(st.integers(0, 9), label="reshape dA") == 0:
        shape = data.draw(small_shapes, label="dA shape")
    dA = draw_array(data, shape, regime, label="dA")
    args, _ = perturb(data, {"dA": dA, "cache": Z})
    before = {k: np.copy(v) for k, v in args.items() if isinstance(v, np.ndarray)}
    dZ = attempt(getattr(acts, f"{name}_backward"), args["dA"], args["cache"])
    for k, v in before.items():
        assert same(args[k], v), f"{name}_backward modified its argument {k}"
    if dZ is REJECTED:
        return
    dA, Z = args["dA"], args["cache"]
    assert_accepted_ok(numeric(dA) and numeric(Z) and np.shape(dA) == np.shape(Z),
                       f"{name}_backward", args)
    assert np.shape(dZ) == np.shape(Z)
    check_dtype(dZ, (dA, Z), f"{name}_backward")
    assert_finite(dZ, f"{name}_backward")
    ref, bound = ref_activation_backward(name, f64(dA), f64(Z))
    assert_within(dZ, ref, bound, expected_dtype(dA, Z), f"{name}_backward", 8)


# --------------------------------------------------------------------------- one layer


def draw_layer(data: Any, regime: str) -> dict[str, Any]:
    # Empty batches (m = 0) only in the moderate regime, so that a bug there does
    # not hide the others.
    n_prev, n_l = (data.draw(st.integers(0, 4), label=k) for k in ("n_prev", "n_l"))
    m = data.draw(st.integers(0 if regime == "moderate" else 1, 4), label="m")
    same_dtype = data.draw(st.booleans(), label="one dtype")
    dtype = draw_dtype(data, regime) if same_dtype else None
    return {
        "A": draw_array(data, (n_prev, m), regime, dtype, "A"),
        "W": draw_array(data, (n_l, n_prev), regime, dtype, "W"),
        "b": draw_array(data, (n_l, 1), regime, dtype, "b"),
    }


def reshape_one(data: Any, args: dict[str, Any], regime: str) -> dict[str, Any]:
    """Sometimes give one argument a random shape (kept numeric)."""
    which = data.draw(st.sampled_from([None] * 4 + list(args)), label="reshaped argument")
    if which is None:
        return args
    shape = data.draw(small_shapes, label=f"{which} shape")
    return {**args, which: draw_array(data, shape, regime, label=which)}


def layer_ok(A: Any, W: Any, b: Any) -> bool:
    """Whether (A, W, b) is a consistent layer: numeric matrices of matching shapes."""
    if not (is_matrix(A) and is_matrix(W) and is_matrix(b)):
        return False
    return np.shape(W)[1] == np.shape(A)[0] and np.shape(b) == (np.shape(W)[0], 1)


@pytest.mark.parametrize("regime", REGIMES)
@FUZZ_REGIME
@given(data=st.data(), activation=st.sampled_from((None, *ACTIVATION_NAMES)))
def test_linear_forward(regime, data, activation):
    """Z = W A + b (and A = g(Z)): shape (n_l, m), finite, oracle-exact, or a ValueError."""
    args = reshape_one(data, draw_layer(data, regime), regime)
    args = {k: containerize(data, v, k) for k, v in args.items()}
    args, _ = perturb(data, args)
    if activation is None:
        out = attempt(steps.linear_forward, args["A"], args["W"], args["b"])
    else:
        out = attempt(steps.linear_activation_forward, args["A"], args["W"], args["b"],
                      activation)
    if out is REJECTED:
        return
    assert_accepted_ok(layer_ok(args["A"], args["W"], args["b"]), "linear_forward", args)
    A, W, b = (np.asarray(args[k]) for k in "AWb")
    result, cache = out
    ref, bound = ref_linear(A, W, b)
    dtype = expected_dtype(A, W, b)
    assert np.shape(result) == (W.shape[0], A.shape[1])
    check_dtype(result, (A, W, b), "linear_forward")
    assert_finite(result, "linear_forward Z" if activation is None else "A")
    if activation is None:
        assert_within(result, ref, bound, dtype, "linear_forward")
        assert all(same(c, x) for c, x in zip(cache, (A, W, b), strict=True))
    else:
        (cA, cW, cb), Z = cache
        assert all(same(c, x) for c, x in zip((cA, cW, cb), (A, W, b), strict=True))
        assert_within(Z, ref, bound, dtype, "linear_activation_forward Z")
        expected = ref_activation(activation, f64(Z))
        assert_within(result, expected, np.maximum(np.abs(expected), 1e-300), dtype,
                      f"linear_activation_forward {activation}", 4)


@pytest.mark.parametrize("regime", REGIMES)
@FUZZ_REGIME
@given(data=st.data(), activation=st.sampled_from((None, *ACTIVATION_NAMES)))
def test_linear_backward(regime, data, activation):
    """Equations (8)-(10): dA_prev, dW, db of the right shapes, finite, oracle-exact."""
    layer = draw_layer(data, regime)
    A, W, b = layer["A"], layer["W"], layer["b"]
    dZ = draw_array(data, (W.shape[0], A.shape[1]), regime, label="dZ")
    args = reshape_one(data, {"dZ": dZ, "A_prev": A, "W": W, "b": b}, regime)
    cache_kind = data.draw(st.sampled_from(["tuple"] * 6 + ["list", "short", "dict"]),
                           label="cache kind")
    linear_cache: Any = (args["A_prev"], args["W"], args["b"])
    if cache_kind == "list":
        linear_cache = list(linear_cache)
    elif cache_kind == "short":
        linear_cache = linear_cache[:2]
    elif cache_kind == "dict":
        linear_cache = {"A": args["A_prev"], "W": args["W"], "b": args["b"]}
    args, bad = perturb(data, {"dZ": args["dZ"], "cache": linear_cache})
    if activation is None:
        out = attempt(steps.linear_backward, args["dZ"], args["cache"])
    else:
        Zc = draw_array(data, shape_of(args["dZ"]) or (), regime, label="Z cache")
        out = attempt(steps.linear_activation_backward, args["dZ"], (args["cache"], Zc),
                      activation)
    if out is REJECTED:
        return
    cache = args["cache"]
    ok = (bad != "cache" and cache_kind in ("tuple", "list") and layer_ok(*cache)
          and is_matrix(args["dZ"])
          and np.shape(args["dZ"]) == (np.shape(cache[1])[0], np.shape(cache[0])[1]))
    assert_accepted_ok(ok, "linear_backward", args)
    dA_prev, dW, db = out
    A_prev, Wc, bc = (np.asarray(x) for x in cache)
    m = A_prev.shape[1]
    assert np.shape(dA_prev) == A_prev.shape
    assert np.shape(dW) == Wc.shape and np.shape(db) == (Wc.shape[0], 1)
    for name, g in (("dA_prev", dA_prev), ("dW", dW), ("db", db)):
        assert_finite(g, name)
    if activation is None:
        dZf = f64(args["dZ"])
        dtype = expected_dtype(args["dZ"], A_prev, Wc, bc)
        for name, g in (("dA_prev", dA_prev), ("dW", dW), ("db", db)):
            check_dtype(g, (args["dZ"], A_prev, Wc, bc), name)
        with np.errstate(all="ignore"):
            assert_within(dW, dZf @ f64(A_prev).T / m, np.abs(dZf) @ np.abs(f64(A_prev)).T / m,
                          dtype, "dW")
            assert_within(db, dZf.sum(1, keepdims=True) / m,
                          np.abs(dZf).sum(1, keepdims=True) / m, dtype, "db")
            assert_within(dA_prev, f64(Wc).T @ dZf, np.abs(f64(Wc)).T @ np.abs(dZf), dtype,
                          "dA_prev")


# --------------------------------------------------------------------------- whole network


def draw_network(data: Any, regime: str) -> tuple[np.ndarray, dict[str, Any], list[str] | None]:
    L = data.draw(st.integers(1, 3), label="L")
    dims = data.draw(st.lists(st.integers(1, 4), min_size=L + 1, max_size=L + 1), label="dims")
    if data.draw(st.integers(0, 9), label="zero-width layer") == 0:
        dims[data.draw(st.integers(0, L), label="zero layer")] = 0
    m = data.draw(st.integers(0 if regime == "moderate" else 1, 4), label="m")
    dtype = draw_dtype(data, regime)
    X = draw_array(data, (dims[0], m), regime, dtype, "X")
    params: dict[str, Any] = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = draw_array(data, (dims[l], dims[l - 1]), regime, dtype, f"W{l}")
        params[f"b{l}"] = draw_array(data, (dims[l], 1), regime, dtype, f"b{l}")
    activations = data.draw(st.one_of(
        st.none(), st.lists(st.sampled_from(ACTIVATION_NAMES), min_size=L, max_size=L)),
        label="activations")
    return X, params, activations


def mangle_parameters(data: Any, params: dict[str, Any], regime: str) -> Any:
    """Sometimes break the parameter dict: drop, add or spoil a key, or pass a list."""
    how = data.draw(st.sampled_from(["keep"] * 6 + ["drop", "extra", "value", "reshape",
                                                    "not a dict"]), label="parameters")
    if how == "keep":
        return params
    key = data.draw(st.sampled_from(sorted(params)), label="key")
    if how == "drop":
        return {k: v for k, v in params.items() if k != key}
    if how == "extra":
        extra = data.draw(st.sampled_from(["W0", "c1", "W", 1, "dW1", "b99"]), label="extra key")
        return {**params, extra: np.zeros((1, 1))}
    if how == "value":
        return {**params, key: data.draw(GARBAGE, label=key)}
    if how == "reshape":
        shape = data.draw(small_shapes, label=f"{key} shape")
        return {**params, key: draw_array(data, shape, regime, label=key)}
    return list(params.values())


def layer_keys(L: int) -> set[str]:
    return {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}


def network_ok(X: Any, params: Any, activations: Any) -> bool:
    """Whether L_model_forward's arguments are consistent (values aside)."""
    if not isinstance(params, dict) or not is_matrix(X):
        return False
    L = len(params) // 2
    if L == 0 or set(params) != layer_keys(L):
        return False
    if activations is not None and (not isinstance(activations, (list, tuple))
                                    or len(activations) != L
                                    or not all(a in ACTIVATION_NAMES for a in activations)):
        return False
    n = np.shape(X)[0]
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        if not layer_ok(np.zeros((n, 0)), W, b):
            return False
        n = np.shape(W)[0]
    return True


def ref_forward(X: Any, params: dict[str, Any], names: list[str]
                ) -> tuple[np.ndarray, np.ndarray]:
    """AL in float64 and a bound of the rounding error of the library's AL (in units of tol)."""
    A, err = f64(X), np.zeros(np.shape(X))
    with np.errstate(all="ignore"):
        for l, name in enumerate(names, start=1):
            W, b = f64(params[f"W{l}"]), f64(params[f"b{l}"])
            Z, bound = ref_linear(A, W, b)
            err = np.abs(W) @ err + bound + 1
            A = ref_activation(name, Z)
            err = err + np.abs(A)
    return A, err


@pytest.mark.parametrize("regime", REGIMES)
@FUZZ_REGIME
@given(data=st.data())
def test_L_model_forward(regime, data):
    """AL of shape (n_L, m), finite, in the float dtype of the inputs, matching the oracle."""
    X, params, activations = draw_network(data, regime)
    params = mangle_parameters(data, params, regime)
    args, _ = perturb(data, {"X": containerize(data, X, "X"), "activations": activations})
    out = attempt(steps.L_model_forward, args["X"], params, args["activations"])
    if out is REJECTED:
        return
    X, activations = args["X"], args["activations"]
    assert_accepted_ok(network_ok(X, params, activations), "L_model_forward",
                       (X, params, activations))
    AL, caches = out
    L = len(params) // 2
    names = activations or ["relu"] * (L - 1) + ["sigmoid"]
    assert len(caches) == L
    assert np.shape(AL) == (np.shape(params[f"W{L}"])[0], np.shape(X)[1])
    check_dtype(AL, (X, *params.values()), "L_model_forward")
    assert_finite(AL, "AL")
    if regime == "moderate":
        ref, err = ref_forward(X, params, names)
        assert_within(AL, ref, err, expected_dtype(X, *params.values()), "AL", 4 * L)


def draw_probabilities(data: Any, shape: tuple[int, ...], regime: str) -> np.ndarray:
    dtype = data.draw(st.sampled_from(FLOATS if regime == "nonfinite" else (F64, F32, F16)),
                      label="AL dtype")
    width = dtype.itemsize * 8
    inside = st.one_of(st.floats(0, 1, width=width), st.sampled_from([0.0, 1.0, 0.5]))
    if regime == "moderate":
        elem = inside
    else:
        # just outside [0, 1]: the smallest negative number, the float after 1
        edges = [-float(np.finfo(dtype).smallest_subnormal),
                 float(np.nextafter(dtype.type(1), dtype.type(2)))]
        elem = st.one_of(inside, st.sampled_from(edges), elements(dtype, regime))
    return data.draw(hnp.arrays(dtype, shape, elements=elem), label="AL")


def draw_labels(data: Any, shape: tuple[int, ...]) -> Any:
    kind = data.draw(st.sampled_from(["binary"] * 5 + ["bool", "float", "other"]),
                     label="Y kind")
    if kind == "bool":
        return data.draw(hnp.arrays(bool, shape), label="Y")
    if kind == "other":
        return data.draw(hnp.arrays(F64, shape, elements=st.sampled_from(
            [0.0, 1.0, 2.0, -1.0, 0.5, math.nan, math.inf])), label="Y")
    dtype = data.draw(st.sampled_from([np.int64, np.float32, np.float64, np.uint8]),
                      label="Y dtype")
    return data.draw(hnp.arrays(dtype, shape, elements=st.sampled_from([0, 1])), label="Y")


def y_variant(data: Any, Y: np.ndarray) -> Any:
    """Y as (n_y, m), or flattened to (m,), or transposed, or as a list."""
    how = data.draw(st.sampled_from(["same"] * 4 + ["flat", "T", "list"]), label="Y as")
    if how == "flat":
        return Y.ravel()
    if how == "T":
        return Y.T
    if how == "list":
        return Y.tolist()
    return Y


@pytest.mark.parametrize("regime", REGIMES)
@FUZZ_REGIME
@given(data=st.data())
def test_compute_cost(regime, data):
    """The clipped cross-entropy: a finite scalar of AL's float dtype, oracle-exact.

    It is >= 0 for labels in [0, 1]; other finite labels warn (the course computes them).
    """
    n_y = data.draw(st.sampled_from([1, 1, 1, 0, 2]), label="n_y")
    m = data.draw(st.integers(0, 5), label="m")
    AL = draw_probabilities(data, (n_y, m), regime)
    if data.draw(st.integers(0, 9), label="reshape AL") == 0:
        AL = draw_probabilities(data, data.draw(small_shapes, label="AL shape"), regime)
    Y = draw_labels(data, (n_y, m) if data.draw(st.integers(0, 9)) else
                    data.draw(small_shapes, label="Y shape"))
    args, _ = perturb(data, {"AL": AL, "Y": y_variant(data, Y)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        cost = attempt(steps.compute_cost, args["AL"], args["Y"])
    if cost is REJECTED:
        return
    AL, Y = args["AL"], args["Y"]
    ok = (is_matrix(AL) and numeric(Y) and np.shape(AL)[1] > 0
          and (np.shape(Y) == np.shape(AL)
               or (np.ndim(Y) == 1 and np.shape(AL)[0] == 1 and np.size(Y) == np.shape(AL)[1])))
    assert_accepted_ok(ok, "compute_cost", args)
    assert np.ndim(cost) == 0, f"cost is not a scalar: {cost!r}"
    assert_finite(cost, "cost")
    assert np.asarray(cost).dtype == float_dtype(AL), f"cost dtype {np.asarray(cost).dtype}"
    ALf = f64(AL)
    Yf = f64(Y).reshape(ALf.shape)
    assert np.all((ALf >= 0) & (ALf <= 1)), "compute_cost accepted AL outside [0, 1]"
    # Finite labels other than 0 and 1 are computed with, as the course does
    # (its Application grader draws Y with randn), with a UserWarning; only
    # labels in [0, 1] make the cross-entropy non-negative.
    binary = bool(np.all((Yf == 0) | (Yf == 1)))
    warned = any("other than 0 and 1" in str(w.message) for w in caught)
    assert warned != binary, f"non-binary labels warned: {warned}, binary: {binary}"
    if np.all((Yf >= 0) & (Yf <= 1)):
        assert cost >= 0, f"negative cost {cost}"
    eps = np.finfo(float_dtype(AL)).eps
    P = np.clip(ALf, eps, 1 - eps)
    with np.errstate(all="ignore"):
        terms = Yf * np.log(P) + (1 - Yf) * np.log1p(-P)
        ref = -np.sum(terms) / ALf.shape[1]
    assert_within(cost, np.asarray(ref), np.asarray(np.sum(np.abs(terms)) / ALf.shape[1] + 1),
                  float_dtype(AL), "cost", 8 * (1 + ALf.size))


def ref_backward(AL: np.ndarray, Y: np.ndarray, caches: Any, names: list[str],
                 eps: float) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The gradients in float64 from the library's own caches, and their magnitude bounds."""
    grads: dict[str, np.ndarray] = {}
    bounds: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        inside = (AL >= 0) & (AL <= 1)
        P = np.where(inside, np.clip(AL, eps, 1 - eps), AL)
        dA = -(Y / P - (1 - Y) / (1 - P))
        dA_bound = np.abs(Y / P) + np.abs((1 - Y) / (1 - P))
        for l in range(len(caches), 0, -1):
            (A_prev, W, _), Z = ((f64(x) for x in caches[l - 1][0]), f64(caches[l - 1][1]))
            m = A_prev.shape[1]
            dZ, _ = ref_activation_backward(names[l - 1], dA, Z)
            _, dZ_bound = ref_activation_backward(names[l - 1], dA_bound, Z)
            # A derivative (or softmax output) that underflows to a subnormal
            # number in the layer's dtype keeps only an absolute precision, the
            # subnormal spacing (float32: 1.4e-45), not the relative one the
            # bounds scale: that floor times |dA| joins dZ's bound (in units of
            # the relative tolerance, which assert_within multiplies it by).
            # Softmax mixes the units: an output that underflows to 0 (e^-108 in
            # float32) loses its share of every unit's dA, not only its own.
            zdt = float_dtype(caches[l - 1][1])
            reach = dA_bound + (np.abs(dA_bound).sum(axis=0, keepdims=True)
                                if names[l - 1] == "softmax" else 0)
            dZ_bound = dZ_bound + np.finfo(zdt).smallest_subnormal / tolerance(zdt)[0] * reach
            grads[f"dW{l}"] = dZ @ A_prev.T / m
            bounds[f"dW{l}"] = dZ_bound @ np.abs(A_prev).T / m
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
            bounds[f"db{l}"] = dZ_bound.sum(axis=1, keepdims=True) / m
            dA, dA_bound = W.T @ dZ, np.abs(W).T @ dZ_bound
            grads[f"dA{l - 1}"], bounds[f"dA{l - 1}"] = dA, dA_bound
    return grads, bounds


def caches_ok(AL: Any, caches: Any) -> bool:
    """Whether a cache list is consistent: layer by layer and chained, ending at AL's shape."""
    if not isinstance(caches, (list, tuple)) or not caches:
        return False
    previous = None
    for cache in caches:
        if not isinstance(cache, (tuple, list)) or len(cache) != 2:
            return False
        linear, Z = cache
        if not isinstance(linear, (tuple, list)) or len(linear) != 3 or not is_matrix(Z):
            return False
        A_prev, W, b = linear
        if not layer_ok(A_prev, W, b):
            return False
        if np.shape(Z) != (np.shape(W)[0], np.shape(A_prev)[1]):
            return False
        if previous is not None and np.shape(A_prev) != previous:
            return False
        previous = np.shape(Z)
    return is_matrix(AL) and np.shape(AL) == previous


@pytest.mark.parametrize("regime", REGIMES)
@FUZZ_REGIME
@given(data=st.data())
def test_L_model_backward(regime, data):
    """dA{l-1}, dW{l}, db{l} for every layer: right shapes and dtype, finite, oracle-exact."""
    X, params, activations = draw_network(data, "moderate")
    if np.shape(X)[1] == 0:
        X = np.zeros((X.shape[0], 1), X.dtype)
    out = attempt(steps.L_model_forward, X, params, activations)
    if out is REJECTED:  # e.g. softmax over zero units
        return
    AL, caches = out
    if data.draw(st.booleans(), label="fresh AL"):
        AL = draw_probabilities(data, AL.shape, regime)
    sane = data.draw(st.booleans(), label="sane")  # consistent caches, labels and activations
    Y = data.draw(hnp.arrays(np.int64, AL.shape, elements=st.sampled_from([0, 1])),
                  label="Y") if sane else draw_labels(data, AL.shape)
    how = "keep" if sane else data.draw(
        st.sampled_from(["keep"] * 6 + ["drop", "extra", "garbage", "swap"]), label="caches")
    if how == "drop":
        caches = caches[:-1]
    elif how == "extra":
        caches = [*caches, caches[-1]]
    elif how == "garbage":
        i = data.draw(st.integers(0, len(caches) - 1), label="cache index")
        caches = [*caches[:i], data.draw(GARBAGE, label="cache"), *caches[i + 1:]]
    elif how == "swap":
        caches = caches[::-1]
    args = {"AL": AL, "Y": Y, "activations": activations}
    if not sane:
        args, _ = perturb(data, {**args, "Y": y_variant(data, Y)})
    grads = attempt(steps.L_model_backward, args["AL"], args["Y"], caches, args["activations"])
    # The cross-entropy's derivative -(Y/AL - (1-Y)/(1-AL)) is infinite where an output
    # that is not a probability (tanh, relu, identity) is exactly 0 or 1: such AL may be
    # refused, however consistent the caches.
    probabilities = bool(np.all((AL > 0) & (AL < 1)))
    if grads is REJECTED:
        assert not (sane and probabilities and regime == "moderate"), \
            "L_model_backward rejected valid input"
        return
    AL, Y, activations = args["AL"], args["Y"], args["activations"]
    L = len(caches) if isinstance(caches, (list, tuple)) else 0
    ok = caches_ok(AL, caches) and (activations is None or (
        isinstance(activations, (list, tuple)) and len(activations) == L))
    assert_accepted_ok(ok, "L_model_backward", (AL, Y, caches, activations))
    names = activations or ["relu"] * (L - 1) + ["sigmoid"]
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in ("dW", "db")}
    expected |= {f"dA{l - 1}" for l in range(1, L + 1)}
    assert set(grads) == expected, f"grads keys {sorted(grads)}"
    eps = float(np.finfo(float_dtype(AL)).eps)
    ref, bounds = ref_backward(f64(AL), f64(Y).reshape(np.shape(AL)), caches, names, eps)
    arrays = (AL, *(x for c in caches for x in (*c[0], c[1])))
    dtype = expected_dtype(*arrays)
    for key, g in grads.items():
        assert np.shape(g) == ref[key].shape, f"{key} shape {np.shape(g)}"
        check_dtype(g, arrays, key)
        assert_finite(g, key)
        assert_within(g, ref[key], bounds[key], dtype, key, 50 * (L + 1) * 6)


@FUZZ
@given(data=st.data(), dtype=st.sampled_from([F64, F32]), m=st.integers(1, 4))
def test_L_model_backward_outputs_outside_0_1(data, dtype, m):
    """AL outside [0, 1] is documented to be used as given: finite gradients or a ValueError.

    Values just below 0 (down to the smallest subnormal) make Y / AL overflow.
    """
    X = np.ones((2, m), dtype)
    parameters = steps.initialize_parameters_deep([2, 3, 1], 0, dtype=dtype)
    _, caches = steps.L_model_forward(X, parameters)
    tiny = np.finfo(dtype).smallest_subnormal
    negatives = [float(v) for v in dtype.type([-1e-300, -1e-40, -1e-30]) if v < 0]
    outside = st.one_of(st.sampled_from([float(-tiny), float(-2 * tiny), *negatives]),
                        st.floats(-10, 0, exclude_max=True, width=dtype.itemsize * 8),
                        st.floats(1, 10, exclude_min=True, width=dtype.itemsize * 8))
    AL = data.draw(hnp.arrays(dtype, (1, m), elements=outside), label="AL")
    Y = data.draw(hnp.arrays(np.int64, (1, m), elements=st.sampled_from([0, 1])), label="Y")
    grads = attempt(steps.L_model_backward, AL, Y, caches)
    if grads is not REJECTED:
        for key, g in grads.items():
            assert_finite(g, key)
            assert g.dtype == dtype


# --------------------------------------------------------------------------- update and init

LEARNING_RATES = st.one_of(
    st.floats(1e-4, 10),
    st.sampled_from([0.0075, 1, 0.0, -0.1, 1e300, 5e-324, math.nan, math.inf, True, None,
                     "0.1", np.float32(0.5), np.int64(2), [0.1], 2**70]),
    st.floats(),
)


def update_ok(params: Any, grads: Any, learning_rate: Any) -> bool:
    """Whether update_parameters' arguments are consistent (values aside)."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.number)):
        return False
    if not (0 < float(learning_rate) < math.inf):
        return False
    if not isinstance(params, dict) or not isinstance(grads, dict):
        return False
    L = len(params) // 2
    if L == 0 or set(params) != layer_keys(L):
        return False
    return all(is_matrix(params[k]) and is_matrix(grads.get("d" + k))
               and np.shape(params[k]) == np.shape(grads["d" + k]) for k in params)


@pytest.mark.parametrize("regime", REGIMES)
@FUZZ_REGIME
@given(data=st.data(), learning_rate=LEARNING_RATES)
def test_update_parameters(regime, data, learning_rate):
    """W - alpha dW for every layer: new finite arrays, caller's arrays untouched."""
    _, params, _ = draw_network(data, regime)
    grads: dict[Any, Any] = {}
    for key, value in params.items():
        grads["d" + key] = draw_array(data, np.shape(value), regime, label="d" + key)
    grads["dA0"] = np.zeros((1, 1))
    params = mangle_parameters(data, params, regime)
    if data.draw(st.integers(0, 9), label="drop a gradient") == 0:
        grads.pop(data.draw(st.sampled_from(sorted(grads)), label="dropped"))
    args, _ = perturb(data, {"grads": grads})
    grads = args["grads"]
    snapshot = {k: np.copy(v) for k, v in (params.items() if isinstance(params, dict) else ())
                if isinstance(v, np.ndarray)}
    gsnap = {k: np.copy(v) for k, v in (grads.items() if isinstance(grads, dict) else ())
             if isinstance(v, np.ndarray)}
    new = attempt(steps.update_parameters, params, grads, learning_rate)
    for k, v in snapshot.items():
        assert same(params[k], v), f"update_parameters modified parameters[{k!r}]"
    for k, v in gsnap.items():
        assert same(grads[k], v), f"update_parameters modified grads[{k!r}]"
    if new is REJECTED:
        return
    assert_accepted_ok(update_ok(params, grads, learning_rate), "update_parameters",
                       (params, grads, learning_rate))
    assert set(new) == set(params)
    lr = float(learning_rate)
    for key, value in new.items():
        g = grads["d" + key]
        assert np.shape(value) == np.shape(params[key])
        assert value is not params[key]
        check_dtype(value, (params[key], g), key)
        assert_finite(value, f"updated {key}")
        with np.errstate(all="ignore"):
            ref = f64(params[key]) - lr * f64(g)
            bound = np.abs(f64(params[key])) + np.abs(lr * f64(g))
        assert_within(value, ref, bound, expected_dtype(params[key], g), key, 4)


LAYER_DIMS = st.one_of(
    st.lists(st.integers(1, 6), min_size=2, max_size=4),
    st.lists(st.integers(1, 6), min_size=2, max_size=4).map(tuple),
    st.lists(st.integers(1, 6), min_size=2, max_size=4).map(np.array),
    st.lists(st.sampled_from([0, -1, 1, 2, 2.0, True, "3", None, np.int8(2)]), max_size=4),
    GARBAGE,
)
RANDOM_STATES = st.one_of(
    st.integers(0, 2**32 - 1), st.none(),
    st.sampled_from([-1, 2**32, 2**70, 1.5, "1", True, np.int64(3), np.uint32(7)]),
    st.integers(0, 5).map(np.random.RandomState), st.integers(0, 5).map(np.random.default_rng),
)
DTYPES = st.sampled_from([np.float64, np.float32, "float32", None, np.float16, np.int64,
                          "float128", "bogus", 5, complex, object, "f8", [("a", "f8")]])


def custom_initializer(value: Any) -> Any:
    return lambda n_l, n_prev, rng: value


INITS = st.one_of(
    st.sampled_from(["course", "lecun", "glorot", "xavier", "he", "normal", "uniform",
                     "bogus", None, 3]),
    GARBAGE.map(custom_initializer),
    st.builds(lambda shape, x: custom_initializer(np.full(shape, x)), small_shapes,
              st.sampled_from([0.0, 1e300, math.nan, math.inf, 1 + 1j, "a"])),
)


@FUZZ
@given(layer_dims=LAYER_DIMS, random_state=RANDOM_STATES, dtype=DTYPES, init=INITS,
       two_layer=st.booleans())
def test_initialize_parameters(layer_dims, random_state, dtype, init, two_layer):
    """W{l} of shape (n_l, n_{l-1}) and zero b{l}: finite, requested dtype, reproducible."""
    if two_layer:
        if not isinstance(layer_dims, (list, tuple)) or len(layer_dims) != 3:
            layer_dims = [2, 3, 1]
        out = attempt(steps.initialize_parameters, *layer_dims, random_state, dtype=dtype)
        init = "course"
    else:
        out = attempt(steps.initialize_parameters_deep, layer_dims, random_state, init=init,
                      dtype=dtype)
    if out is REJECTED:
        return
    dims = [int(d) for d in layer_dims]
    assert all(d > 0 for d in dims) and not any(isinstance(d, (bool, str)) for d in layer_dims)
    L = len(dims) - 1
    assert set(out) == {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    want = np.dtype(np.float64 if dtype is None else dtype)
    assert want in (F32, F64)
    for l in range(1, L + 1):
        W, b = out[f"W{l}"], out[f"b{l}"]
        assert W.shape == (dims[l], dims[l - 1]) and b.shape == (dims[l], 1)
        assert W.dtype == b.dtype == want
        assert_finite(W, f"W{l}")
        assert not b.any()
    if isinstance(random_state, (int, np.integer)) and isinstance(init, str):
        again = (steps.initialize_parameters(*dims, random_state, dtype=dtype) if two_layer else
                 steps.initialize_parameters_deep(layer_dims, random_state, init=init,
                                                  dtype=dtype))
        assert all(same(out[k], again[k]) for k in out), "not reproducible from an int seed"


# --------------------------------------------------------------------------- estimators

X_DTYPES = ("float64", "float64", "float32", "float32", "float16", "int64", "bool", "complex",
            "object", "str")


def draw_X(data: Any, n: int, n_features: int, regime: str, label: str = "X",
           sane: bool = False) -> Any:
    """X of shape (n, n_features), of any kind (numeric only when ``sane``)."""
    kinds = X_DTYPES[:5] if sane else X_DTYPES
    kind = data.draw(st.sampled_from(kinds), label=f"{label} kind")
    shape: tuple[int, ...] = (n, n_features)
    if not sane and data.draw(st.integers(0, 14), label=f"{label} ndim") == 0:
        shape = data.draw(st.sampled_from([(n,), (n, n_features, 1), ()]), label=f"{label} shape")
    if kind in ("float64", "float32", "float16"):
        dtype = np.dtype(kind)
        X = data.draw(hnp.arrays(dtype, shape, elements=elements(dtype, regime)), label=label)
    elif kind in ("int64", "bool"):
        X = draw_array(data, shape, "moderate" if regime == "nonfinite" else regime, kind,
                       label)
    elif kind == "complex":
        X = draw_array(data, shape, "moderate", F64, label) + 1j
    elif kind == "object":
        X = draw_array(data, shape, "moderate", F64, label).astype(object)
    else:
        X = draw_array(data, shape, "moderate", F64, label).astype(str)
    return containerize(data, X, label)


def draw_y_classes(data: Any, n: int, regime: str = "moderate", sane: bool = False) -> Any:
    """Labels for n examples: any kind, or (``sane``) at least two classes of one kind."""
    kinds = ["int", "str", "bool", "float", "indicator"] if sane else [
        "int", "int", "str", "str", "bool", "float", "continuous", "nan", "mixed",
        "indicator", "column", "none"]
    kind = data.draw(st.sampled_from(kinds), label="y kind")
    if not sane:
        n = max(0, n + data.draw(st.sampled_from([0] * 8 + [-1, 1]), label="y length delta"))
    if kind == "none":
        return None
    if kind == "indicator":
        k = data.draw(st.integers(2 if sane else 1, 3), label="labels")
        return data.draw(hnp.arrays(np.int64, (n, k), elements=st.integers(0, 1)), label="y")
    pool = {"int": [0, 1, 2, 7], "str": ["a", "b", "cat"], "bool": [False, True],
            "float": [0.0, 1.0, 2.0], "continuous": [0.25, 1.5, -3.0],
            "nan": [0.0, 1.0, math.nan], "mixed": [0, "a", 1.5, None],
            "column": [0, 1]}[kind]
    if not sane:
        pool = pool + {"moderate": [], "extreme": [1e300, -1e-300, 2**70],
                       "nonfinite": [math.nan, math.inf]}[regime]
    values = data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n), label="y")
    if sane and n >= 2:
        values[:2] = pool[:2]
    y = np.array(values, dtype=object if kind == "mixed" else None)
    if kind == "column":
        y = y.reshape(-1, 1)
    how = data.draw(st.sampled_from(["array"] * 4 + ["list", "series"]), label="y as")
    if how == "list":
        return y.tolist()
    if how == "series" and y.ndim == 1:
        return pd.Series(y)
    return y


#: Hyperparameter values that fit() must accept.
VALID_OPTIONS = {
    "hidden_layer_sizes": st.one_of(st.lists(st.integers(1, 4), max_size=2).map(tuple),
                                    st.integers(1, 4)),
    "activation": st.sampled_from(["relu", "sigmoid", "tanh", "leaky_relu", "identity"]),
    "solver": st.sampled_from(["gd", "momentum", "nesterov", "adam"]),
    "learning_rate": st.one_of(st.floats(1e-4, 10), st.sampled_from([1e10, 1e300])),
    "alpha": st.sampled_from([0.0, 0.1, 1e300]),
    "batch_size": st.one_of(st.none(), st.integers(1, 4)),
    "early_stopping": st.booleans(),
    "validation_fraction": st.sampled_from([0.1, 0.5]),
    "dropout": st.sampled_from([0.0, 0.5, 0.99]),
    "clip_norm": st.sampled_from([None, 1.0, 1e-300]),
    "learning_rate_schedule": st.sampled_from(["constant", "step", "exponential",
                                               "inverse_time", "plateau"]),
    "init": st.sampled_from(["lecun", "course", "he", "glorot", "normal", "uniform"]),
    "warm_start": st.booleans(),
    "shuffle": st.booleans(),
}


def draw_estimator_params(data: Any, classifier: bool, sane: bool = False) -> dict[str, Any]:
    params: dict[str, Any] = {
        "hidden_layer_sizes": (3,), "max_iter": data.draw(st.integers(1, 5), label="max_iter"),
        "random_state": data.draw(st.integers(0, 3), label="random_state"),
        "learning_rate": 0.1,
    }
    options = {
        "hidden_layer_sizes": st.one_of(
            st.lists(st.integers(1, 4), max_size=2).map(tuple), st.integers(-1, 4),
            st.sampled_from(["3", (0,), (2.5,), None, (True,), np.array([2, 2])])),
        "activation": st.sampled_from(["relu", "sigmoid", "tanh", "leaky_relu", "identity",
                                       "softmax", "bogus", 3, ["relu"], ["relu", "tanh"]]),
        "solver": st.sampled_from(["gd", "momentum", "nesterov", "adam", "sgd", None]),
        "learning_rate": st.one_of(st.floats(1e-4, 10), st.sampled_from(
            [1e10, 1e300, 0.0, -1.0, math.nan, math.inf, "0.1"])),
        "max_iter": st.sampled_from([0, -1, 2.0, "3", None, True]),
        "alpha": st.sampled_from([0.0, 0.1, 1e300, -1.0, math.nan]),
        "batch_size": st.one_of(st.none(), st.integers(1, 4), st.sampled_from([0, -1, 2.5])),
        "early_stopping": st.booleans(),
        "validation_fraction": st.sampled_from([0.1, 0.5, 0.9, 0.0, 1.0, -0.1, math.nan]),
        "dropout": st.sampled_from([0.0, 0.5, 0.99, 1.0, -0.1]),
        "clip_norm": st.sampled_from([None, 1.0, 1e-300, 0.0, -1.0]),
        "learning_rate_schedule": st.sampled_from(["constant", "step", "exponential",
                                                   "inverse_time", "plateau", "bogus"]),
        "init": st.sampled_from(["lecun", "course", "he", "glorot", "bogus"]),
        "random_state": st.sampled_from([None, -1, 2**32, "x", 1.5]),
        "warm_start": st.booleans(),
        "shuffle": st.booleans(),
        "patience": st.sampled_from([1, 0, -1]),
        "min_delta": st.sampled_from([0.0, 1e300, -1.0]),
    }
    if classifier:
        options["loss"] = st.sampled_from(["auto", "binary_cross_entropy",
                                           "categorical_cross_entropy", "squared_error"])
        options["class_weight"] = st.sampled_from([None, "balanced", {0: 2.0}, {"a": 0.0},
                                                   "bogus"])
    if sane:
        options = dict(VALID_OPTIONS)
        if classifier:
            options["class_weight"] = st.sampled_from([None, "balanced"])
            options["loss"] = st.sampled_from(["auto", "binary_cross_entropy",
                                               "categorical_cross_entropy"])
    chosen = data.draw(st.lists(st.sampled_from(sorted(options)), max_size=4, unique=True),
                       label="changed parameters")
    for key in chosen:
        params[key] = data.draw(options[key], label=key)
    return params


def model_dtype(X: Any) -> np.dtype:
    """float32 for float32 input, else float64 (scikit-learn's dtype=[float64, float32])."""
    if isinstance(X, pd.DataFrame):
        dts = set(X.dtypes)
        return F32 if dts == {F32} else F64
    return F32 if isinstance(X, np.ndarray) and X.dtype == F32 else F64


def check_classifier_outputs(clf: Any, X: Any, n: int) -> None:
    proba = attempt(clf.predict_proba, X)
    pred = attempt(clf.predict, X)
    assert (proba is REJECTED) == (pred is REJECTED), "predict and predict_proba disagree"
    if proba is REJECTED:
        return
    multilabel = bool(getattr(clf, "_multilabel", False))
    assert proba.shape == (n, len(clf.classes_)), f"proba shape {proba.shape}"
    assert_finite(proba, "predict_proba")
    assert proba.dtype == clf.parameters_["W1"].dtype, f"proba dtype {proba.dtype}"
    assert np.all((proba >= 0) & (proba <= 1)), "probabilities outside [0, 1]"
    if multilabel:
        assert pred.shape == proba.shape and set(np.unique(pred)) <= {0, 1}
        return
    rtol = 1e-5 if proba.dtype == F32 else 1e-12
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=rtol, atol=rtol,
                               err_msg="predict_proba rows do not sum to 1")
    assert np.shape(pred) == (n,), f"predict shape {np.shape(pred)}"
    assert np.all(np.isin(pred, clf.classes_)), f"predictions {pred} not among classes_"


def draw_training_X(data: Any, regime: str) -> tuple[bool, int, int, Any]:
    """``sane`` (valid types and shapes, values fuzzed), n_samples, n_features and X."""
    sane = data.draw(st.booleans(), label="sane")
    n = data.draw(st.integers(4 if sane else 0, 10), label="n_samples")
    f = data.draw(st.integers(1 if sane else 0, 3), label="n_features")
    return sane, n, f, draw_X(data, n, f, regime, sane=sane)


def _sane_split(sane: bool, params: dict[str, Any]) -> bool:
    # Early stopping's split rightly refuses data this small (4 to 10 samples):
    # fewer than 2 on a side, or classes too small to stratify, is a clear
    # ValueError by design (issue 15), not a rejection of valid data.
    return sane and not params.get("early_stopping")


def fit_and_check(model: Any, X: Any, y: Any, sane: bool, regime: str) -> bool:
    """fit; False if cleanly rejected (never for sane moderate data), else check the fit."""
    fitted = attempt(model.fit, X, y)
    event(f"{'sane' if sane else 'any'}: " + ("fit rejected" if fitted is REJECTED else "fitted"))
    if fitted is REJECTED:
        assert not (sane and regime == "moderate"), "fit rejected valid data"
        return False
    assert fitted is model
    assert model.parameters_["W1"].dtype == model_dtype(X), "float dtype of X not kept"
    for key, value in model.parameters_.items():
        assert_finite(value, f"fitted {key}")
    return True


@pytest.mark.parametrize("regime", REGIMES)
@fuzz(0.4)
@given(data=st.data())
def test_classifier_fit_predict(regime, data):
    """fit then predict / predict_proba on fuzzed data, labels and hyperparameters."""
    from deepstep import DNNClassifier

    sane, n, f, X = draw_training_X(data, regime)
    y = draw_y_classes(data, n, regime, sane=sane)
    params = draw_estimator_params(data, classifier=True, sane=sane)
    clf = DNNClassifier.from_course(**params)
    if not fit_and_check(clf, X, y, _sane_split(sane, params), regime):
        return
    assert len(clf.classes_) >= 2
    m = data.draw(st.integers(0, 6), label="n_test")
    f_test = f if data.draw(st.integers(0, 9), label="other features") else f + 1
    check_classifier_outputs(clf, draw_X(data, m, f_test, regime, "X_test"), m)


@pytest.mark.parametrize("regime", REGIMES)
@fuzz(0.4)
@given(data=st.data())
def test_regressor_fit_predict(regime, data):
    """DNNRegressor: fit then predict; finite, shape (n,) or (n, k), X's float dtype kept."""
    from deepstep import DNNRegressor

    sane, n, f, X = draw_training_X(data, regime)
    n_y = n if sane else max(0, n + data.draw(st.sampled_from([0] * 8 + [-1, 1]),
                                               label="y length delta"))
    y_shape = data.draw(st.sampled_from([(n_y,), (n_y,), (n_y, 1), (n_y, 2)]
                                        + ([] if sane else [(n_y, 0)])), label="y shape")
    y = containerize(data, draw_array(data, y_shape, regime, label="y"), "y")
    params = draw_estimator_params(data, classifier=False, sane=sane)
    reg = DNNRegressor.from_course(**params)
    if not fit_and_check(reg, X, y, _sane_split(sane, params), regime):
        return
    m = data.draw(st.integers(0, 6), label="n_test")
    f_test = f if data.draw(st.integers(0, 9), label="other features") else f + 1
    pred = attempt(reg.predict, draw_X(data, m, f_test, regime, "X_test"))
    if pred is REJECTED:
        return
    expected = (m,) if np.ndim(y) == 1 else (m, np.shape(y)[1])
    assert np.shape(pred) == expected, f"predict shape {np.shape(pred)}, expected {expected}"
    assert pred.dtype == reg.parameters_["W1"].dtype
    assert_finite(pred, "predict")


CLASSES = st.one_of(
    st.sampled_from([None, "ab", 5, [[0, 1]], [], [0], [0, 1], [0, 1, 2], [0, 1, 2, 7],
                     ["a", "b"], ["a", "b", "cat"], [0, "a"], [math.nan, 0.0], [False, True]]),
)


@pytest.mark.parametrize("regime", REGIMES)
@fuzz(0.3)
@given(data=st.data(), classes=CLASSES)
def test_partial_fit(regime, data, classes):
    """Two partial_fit calls (classes= on the first), then predict; regressor likewise."""
    from deepstep import DNNClassifier, DNNRegressor

    classifier = data.draw(st.booleans(), label="classifier")
    f = data.draw(st.integers(1, 3), label="n_features")
    params = draw_estimator_params(data, classifier)
    est = (DNNClassifier if classifier else DNNRegressor).from_course(**params)
    outputs = None
    for step in range(2):
        n = data.draw(st.integers(0, 6), label=f"n_samples {step}")
        f_step = f if data.draw(st.integers(0, 9), label="other features") else f + 1
        X = draw_X(data, n, f_step, regime, f"X{step}")
        if classifier:
            y = draw_y_classes(data, n, regime)
            ok = attempt(est.partial_fit, X, y, classes=classes) if step == 0 else \
                attempt(est.partial_fit, X, y)
        else:
            shape = data.draw(st.sampled_from([(n,), (n,), (n, 2)]), label=f"y shape {step}")
            y = draw_array(data, shape, regime, label=f"y{step}")
            ok = attempt(est.partial_fit, X, y)
            if ok is not REJECTED and step == 0:
                outputs = 1 if y.ndim == 1 else y.shape[1]
            elif ok is not REJECTED:
                assert (1 if y.ndim == 1 else y.shape[1]) == outputs, (
                    f"partial_fit accepted y with {y.shape} targets for a network with "
                    f"{outputs} output(s)")
        if ok is REJECTED:
            if step == 0:
                return
            continue
        for key, value in est.parameters_.items():
            assert_finite(value, f"{key} after partial_fit {step}")
        if classifier and np.ndim(y) == 1:
            assert same(est.classes_, np.unique(np.asarray(classes)))
    m = data.draw(st.integers(0, 4), label="n_test")
    X_test = draw_X(data, m, f, regime, "X_test")
    if classifier:
        check_classifier_outputs(est, X_test, m)
    else:
        pred = attempt(est.predict, X_test)
        if pred is not REJECTED:
            assert_finite(pred, "predict")
            assert len(pred) == m


# --------------------------------------------------------------------------- model files


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _digits_model() -> Any:
    from deepstep import DNNClassifier
    from deepstep.datasets import images_to_matrix, load_digits_binary

    data = load_digits_binary()
    clf = DNNClassifier.from_course(hidden_layer_sizes=(4,), max_iter=3, learning_rate=0.1,
                                    random_state=0)
    clf.fit(images_to_matrix(data.train_x), data.train_y)
    clf.metadata_ = {"input_shape": list(data.train_x.shape[1:]),
                     "class_names": list(data.classes)}
    return clf


@pytest.fixture(scope="module")
def model_files(workdir):
    """Valid model files: digits classifier (CLI), multi-class float32, multi-output regressor."""
    from deepstep import DNNClassifier, DNNRegressor

    rng = np.random.RandomState(0)
    X = rng.standard_normal((30, 3))
    files = {}
    files["digits"] = workdir / "digits.npz"
    _digits_model().save(files["digits"])
    clf = DNNClassifier.from_course(hidden_layer_sizes=(3, 2), max_iter=2, random_state=0)
    clf.fit(X.astype(np.float32), np.array(["a", "b", "c"] * 10))
    files["multiclass32"] = workdir / "multiclass32.npz"
    clf.save(files["multiclass32"])
    reg = DNNRegressor.from_course(hidden_layer_sizes=(2,), max_iter=2, random_state=0)
    reg.fit(X, rng.standard_normal((30, 2)))
    files["regressor"] = workdir / "regressor.npz"
    reg.save(files["regressor"])
    return files


def check_loaded(model: Any) -> None:
    """A model that loaded must predict, or refuse with ValueError / TypeError."""
    X = np.zeros((2, model.layer_sizes_[0]))
    classifier = isinstance(model, deepstep.DNNClassifier)
    multilabel = bool(getattr(model, "_multilabel", False))
    pred = attempt(model.predict, X)
    if pred is not REJECTED:
        if classifier and not multilabel:
            assert np.all(np.isin(pred, model.classes_)), f"{pred} not among {model.classes_}"
        elif not classifier:
            assert_finite(pred, "predict of a loaded model")
    if classifier:
        proba = attempt(model.predict_proba, X)
        if proba is not REJECTED:
            assert_finite(proba, "predict_proba of a loaded model")
            classes = getattr(model, "classes_", None)
            assert classes is not None and proba.shape == (2, len(classes)), \
                f"predict_proba shape {proba.shape} for classes_ {classes}"
            if not multilabel:
                np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def load_contract(path: Path) -> Any:
    """deepstep.load(path): a model, or ModelFileError (and nothing else)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with time_limit(HANG_SECONDS):
            try:
                return deepstep.load(path)
            except deepstep.ModelFileError as exc:
                assert str(exc).strip()
                return None


ZIP_PREFIXES = st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06" + bytes(18), b"\x93NUMPY",
                                b"PK\x03\x04\x14\x00\x00\x00\x00\x00"])


@FUZZ
@given(prefix=ZIP_PREFIXES, body=st.binary(max_size=600), members=st.lists(
    st.tuples(st.sampled_from(["config.json", "W1.npy", "b1.npy", "x", "../evil", "W1.npy"]),
              st.binary(max_size=200)), max_size=3), as_zip=st.booleans())
def test_load_arbitrary_bytes(workdir, prefix, body, members, as_zip):
    """Arbitrary bytes, or a zip of arbitrary members: ModelFileError, never anything else."""
    path = workdir / "arbitrary.npz"
    if as_zip:
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # duplicate member names
            with zipfile.ZipFile(buffer, "w") as zf:
                for name, content in members:
                    zf.writestr(name, content)
        path.write_bytes(buffer.getvalue())
    else:
        path.write_bytes(prefix + body)
    model = load_contract(path)
    if model is not None:
        check_loaded(model)


MUTATIONS = st.lists(st.tuples(st.sampled_from(["flip", "set", "truncate", "insert", "delete"]),
                               st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=4)


@FUZZ
@given(which=st.sampled_from(["digits", "multiclass32", "regressor"]), mutations=MUTATIONS)
def test_load_damaged_model_file(workdir, model_files, which, mutations):
    """A valid model file with bytes flipped, set, inserted, deleted or cut off."""
    blob = bytearray(model_files[which].read_bytes())
    for op, where, value in mutations:
        i = min(int(where * len(blob)), max(len(blob) - 1, 0))
        if op == "flip" and blob:
            blob[i] ^= 1 << (value % 8)
        elif op == "set" and blob:
            blob[i] = value
        elif op == "truncate":
            del blob[i:]
        elif op == "insert":
            blob[i:i] = bytes([value]) * (1 + value % 16)
        elif op == "delete":
            del blob[i:i + 1 + value % 16]
    path = workdir / "damaged.npz"
    path.write_bytes(bytes(blob))
    model = load_contract(path)
    if model is not None:
        check_loaded(model)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10) | st.floats(-1e3, 1e3)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6,
)
CONFIG_KEYS = ("estimator", "layer_sizes", "activations", "dtype", "classes", "params",
               "n_iter", "loss", "multilabel", "single_output", "loss_curve", "metadata",
               "format", "format_version", "extra_arrays", "library_version")


def plausible_value(key: str, config: dict[str, Any]) -> st.SearchStrategy:
    """Values of the right JSON type but odd content, for one configuration key."""
    sizes = config.get("layer_sizes")
    n_out = sizes[-1] if isinstance(sizes, list) and sizes and isinstance(sizes[-1], int) else 1
    n_layers = len(sizes) - 1 if isinstance(sizes, list) and len(sizes) > 1 else 1
    return {
        "estimator": st.sampled_from(["DNNClassifier", "DNNRegressor", "BaseEstimator",
                                      "Trainer", "__class__"]),
        "classes": st.one_of(
            st.lists(st.one_of(st.integers(-2, 3), st.text(max_size=2), st.booleans(),
                               st.floats(-2, 2)), max_size=4),
            st.lists(st.integers(0, 9), min_size=min(max(n_out, 2), 10),
                     max_size=min(max(n_out, 2), 10), unique=True)),
        "params": st.dictionaries(st.sampled_from(["hidden_layer_sizes", "activation",
                                                   "max_iter", "loss", "bogus", "callbacks"]),
                                  JSON, max_size=2),
        "metadata": st.fixed_dictionaries({}, optional={
            "input_shape": st.lists(st.integers(-1, 9), max_size=4) | JSON,
            "class_names": st.lists(st.text(max_size=3), max_size=3) | JSON}),
        "loss": st.sampled_from(["binary_cross_entropy", "categorical_cross_entropy",
                                 "squared_error", "bogus"]),
        "activations": st.lists(st.sampled_from(ACTIVATION_NAMES), min_size=n_layers,
                                max_size=n_layers),
        "dtype": st.sampled_from(["float32", "float64", "float16", "<f8"]),
        "format_version": st.sampled_from([0, 1, 2, True, 1.0, "1"]),
        "n_iter": st.sampled_from([0, -1, 10**30, 1.5, "3"]),
        "loss_curve": st.lists(st.floats(-1, 1e3), max_size=3) | JSON,
    }.get(key, JSON)


@FUZZ
@given(data=st.data(), which=st.sampled_from(["digits", "multiclass32", "regressor"]))
def test_load_fuzzed_config(workdir, model_files, data, which):
    """A well-formed archive whose config.json is edited: it loads and predicts, or fails cleanly.

    A loaded model must then keep the contract when predicting (no IndexError for
    classes that do not match the output layer, for example).
    """
    with zipfile.ZipFile(model_files[which]) as zf:
        config = json.loads(zf.read("config.json"))
        members = {name: zf.read(name) for name in zf.namelist() if name != "config.json"}
    for key in data.draw(st.lists(st.sampled_from(CONFIG_KEYS), min_size=1, max_size=3,
                                  unique=True), label="edited keys"):
        how = data.draw(st.sampled_from(["plausible", "plausible", "any", "delete"]),
                        label=f"{key} edit")
        if how == "delete":
            config.pop(key, None)
        else:
            strategy = plausible_value(key, config) if how == "plausible" else JSON
            config[key] = data.draw(strategy, label=key)
    path = workdir / "edited.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        for name, content in members.items():
            zf.writestr(name, content)
    model = load_contract(path)
    if model is not None:
        check_loaded(model)


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def cli_assets(workdir, model_files):
    """Paths the command-line fuzzer picks from: valid, broken and missing files."""
    import h5py
    from PIL import Image

    d = workdir / "cli"
    d.mkdir()
    (d / "garbage.npz").write_bytes(b"PK\x03\x04 this is not a model")
    (d / "empty.npz").write_bytes(b"")
    (d / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    Image.new("RGB", (5, 7), (10, 200, 30)).save(d / "image.png")
    (d / "emptydir").mkdir()
    rng = np.random.RandomState(0)
    h5 = d / "h5"
    h5.mkdir()
    for split, m in (("train", 8), ("test", 4)):
        with h5py.File(h5 / f"{split}_tiny.h5", "w") as f:
            f[f"{split}_set_x"] = rng.randint(0, 255, (m, 4, 4, 3)).astype(np.uint8)
            f[f"{split}_set_y"] = np.arange(m) % 2
            f["list_classes"] = np.array([b"no", b"yes"])
    bad_h5 = d / "badh5"
    bad_h5.mkdir()
    for split in ("train", "test"):
        with h5py.File(bad_h5 / f"{split}_bad.h5", "w") as f:
            f["images"] = np.zeros((2, 2))
    (d / "train_garbage.h5").write_bytes(b"not hdf5")
    (d / "test_garbage.h5").write_bytes(b"not hdf5 either")
    images = d / "images"
    for cls in ("cats", "dogs"):
        (images / cls).mkdir(parents=True)
        for i in range(3):
            Image.new("L", (3 + i, 4), 40 * i).save(images / cls / f"{i}.png")
    broken_images = d / "broken_images"
    for cls in ("a", "b"):
        (broken_images / cls).mkdir(parents=True)
        (broken_images / cls / "x.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    # A digits model whose metadata does not fit it.
    odd = json.loads(zipfile.ZipFile(model_files["digits"]).read("config.json"))
    odd_members = {n: zipfile.ZipFile(model_files["digits"]).read(n)
                   for n in zipfile.ZipFile(model_files["digits"]).namelist()}
    variants = {
        "few_names": {"input_shape": [8, 8, 1], "class_names": ["even"]},
        "flat_shape": {"input_shape": [64], "class_names": ["even", "odd"]},
        "str_shape": {"input_shape": ["8", 8, 1], "class_names": ["even", "odd"]},
        "int_shape": {"input_shape": 64},
        "rgb_shape": {"input_shape": [4, 4, 4]},
    }
    for name, metadata in variants.items():
        with zipfile.ZipFile(d / f"{name}.npz", "w") as zf:
            zf.writestr("config.json", json.dumps({**odd, "metadata": metadata}))
            for member, content in odd_members.items():
                if member != "config.json":
                    zf.writestr(member, content)
    return {
        "model": [str(model_files["digits"]), str(model_files["regressor"]),
                  str(model_files["multiclass32"]), str(d / "garbage.npz"), str(d / "empty.npz"),
                  str(d / "missing.npz"), str(d / "emptydir"), str(d / "image.png"),
                  *(str(d / f"{name}.npz") for name in variants)],
        "image": [str(d / "image.png"), str(d / "garbage.png"), str(d / "empty.npz"),
                  str(d / "missing.png"), str(d / "emptydir")],
        "data": [str(h5), str(h5 / "train_tiny.h5"), str(bad_h5), str(d / "train_garbage.h5"),
                 str(images), str(broken_images), str(d / "emptydir"), str(d / "missing"),
                 str(d / "image.png")],
        "out": [str(d / "out.npz"), str(d / "missing" / "out.npz"), str(d / "emptydir")],
        "png": [str(d / "plot.png"), str(d / "missing" / "plot.png")],
    }


def option(data: Any, flag: str, valid: list[str], invalid: list[str], sane: bool,
           p_absent: int = 1) -> list[str]:
    """``[flag, value]`` or nothing; the value is a valid one when ``sane``."""
    values = valid if sane else valid + invalid
    choice = data.draw(st.sampled_from([None] * p_absent + values), label=flag)
    return [] if choice is None else [flag, choice]


def draw_argv(data: Any, assets: dict[str, list[str]], sane: bool) -> list[str]:
    """A command line; when ``sane`` every file and value is valid and it must succeed."""
    command = data.draw(st.sampled_from(["train", "train", "evaluate", "evaluate", "predict",
                                         "predict", "demo"]), label="command")
    # 1e300 may diverge: a clean one-line error is then the right outcome, not a success
    lr = (["0.1", "1", "1e-320"], ["1e300", "1e309", "nan", "inf", "-1", "0", "abc", ""])
    seed = (["0", "7"], ["-1", "4294967296", "x"])
    models, data_paths, images = assets["model"], assets["data"], assets["image"]
    argv = [command]
    if command == "train":
        argv += ["--quiet", "--iterations", "2", "--plot", "none", "--out", assets["out"][0]]
        argv += option(data, "--data", [data_paths[0], data_paths[1], data_paths[4]],
                       data_paths[2:4] + data_paths[5:], sane, 3)
        argv += option(data, "--hidden", ["4", "2,3", " 2 "],
                       ["0", "-1", "a", "", ",", "3,,2", "1.5"], sane)
        argv += option(data, "--learning-rate", *lr, sane)
        argv += option(data, "--iterations", ["1", "3"], ["0", "-5", "2.5", "x", ""], sane, 2)
        argv += option(data, "--init", ["lecun", "course"], ["he"], sane, 3)
        argv += option(data, "--image-size", ["4", "1"], ["0", "-3", "x"], sane, 2)
        argv += option(data, "--dtype", ["float32", "float64"], ["float16"], sane, 2)
        argv += option(data, "--seed", *seed, sane, 2)
        argv += option(data, "--out", assets["out"][:1], assets["out"][1:], sane, 3)
        argv += option(data, "--plot", assets["png"][:1], assets["png"][1:], sane, 8)
    elif command == "evaluate":
        argv.append(data.draw(st.sampled_from(models[:1] if sane else models), label="model"))
        argv += option(data, "--data", [], data_paths, sane, 3)
        argv += option(data, "--split", ["test", "train", "all"], ["bogus"], sane, 2)
        argv += option(data, "--errors", assets["png"][:1], assets["png"][1:], sane, 8)
    elif command == "predict":
        argv.append(data.draw(st.sampled_from(models[:1] if sane else models), label="model"))
        argv += data.draw(st.lists(st.sampled_from(images[:1] if sane else images),
                                   min_size=1 if sane else 0, max_size=2), label="images")
    else:
        argv += ["--iterations", data.draw(st.sampled_from(["1", "5"] if sane else
                                                           ["1", "5", "0", "x"]),
                                           label="--iterations")]
        argv += option(data, "--learning-rate", *lr, sane)
        argv += option(data, "--seed", *seed, sane, 2)
    if not sane and data.draw(st.integers(0, 14), label="junk argument") == 0:
        argv.append(data.draw(st.sampled_from(["--bogus", "extra", "-", "--"]), label="junk"))
    return argv


def check_cli_failure(rc: Any, stderr: str, argv: list[str]) -> None:
    """Non-zero status, no traceback, one ``error:`` line (one per bad image for predict)."""
    assert isinstance(rc, int) and rc != 0, f"{argv}: exit status {rc!r}"
    assert "Traceback" not in stderr, f"{argv}: traceback on stderr:\n{stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line]
    if stderr.startswith("usage:"):  # argparse: the usage lines, then one error line
        assert len(errors) == 1 and lines[-1] == errors[0], f"{argv}:\n{stderr}"
        return
    if lines[-1:] and lines[-1].startswith("try 'deepstep") and lines[-1].endswith(" --help'"):
        # a usage error (issue 17): one error line, then the hint line
        assert len(lines) == 2 and lines[0].startswith("deepstep: error: "), f"{argv}:\n{stderr}"
        return
    most = max(1, len(argv) - 2) if argv[0] == "predict" else 1
    assert 1 <= len(errors) <= most and lines == errors, \
        f"{argv}: expected {most} error line(s) and nothing else on stderr, got:\n{stderr}"
    assert all(line.startswith("deepstep: error: ") for line in errors), f"{argv}:\n{stderr}"


@fuzz(0.1, cap=1000)
@given(data=st.data())
def test_cli_in_process(cli_assets, data):
    """deepstep.cli.main(argv): exit 0, or non-zero with one 'error:' line; no exception escapes."""
    sane = data.draw(st.booleans(), label="sane")
    argv = draw_argv(data, cli_assets, sane)
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", DivergenceWarning)
        with time_limit(HANG_SECONDS), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                rc = cli_main(argv)
            except SystemExit as exc:  # argparse
                rc = exc.code
    event(f"{argv[0]}: exit {rc}" + (": usage" if err.getvalue().startswith("usage:") else ""))
    if sane:
        assert rc == 0, f"{argv}: a valid command failed with status {rc}:\n{err.getvalue()}"
    if rc != 0:
        check_cli_failure(rc, err.getvalue(), argv)
    else:
        assert out.getvalue() or "--help" in argv


@fuzz(0.01, cap=40, floor=3)
@given(data=st.data())
def test_cli_subprocess(cli_assets, data):
    """``python -m deepstep`` on bad input: non-zero exit, one error line, no traceback."""
    argv = data.draw(st.sampled_from([
        ["evaluate", cli_assets["model"][3]],
        ["predict", cli_assets["model"][4], cli_assets["image"][0]],
        ["predict", cli_assets["model"][0], cli_assets["image"][1]],
        ["train", "--quiet", "--iterations", data.draw(st.sampled_from(["0", "-1", "x"]))],
        ["train", "--quiet", "--iterations", "1", "--plot", "none", "--out",
         cli_assets["out"][0], "--learning-rate",
         data.draw(st.sampled_from(["nan", "inf", "-1", "0", "abc", "1e309"]))],
        ["evaluate", cli_assets["model"][0], "--data", cli_assets["data"][3]],
        ["predict", cli_assets["model"][0], cli_assets["image"][3], cli_assets["image"][4]],
    ]), label="argv")
    result = subprocess.run([sys.executable, "-m", "deepstep", *argv], capture_output=True,
                            text=True, timeout=HANG_SECONDS, cwd=cli_assets["out"][2])
    check_cli_failure(result.returncode, result.stderr, argv)
