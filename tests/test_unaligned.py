"""Unaligned arrays (as ``dask.distributed`` returns them) are copied once, aligned.

NumPy flags an array unaligned when its elements do not start at a multiple
of their size; it then leaves its fast paths (a 256-row ``take`` from
100,000 x 100 float32 rows: 20 ms instead of 5 microseconds), and a fit on
``X.compute()`` from a cluster crawled. These tests build such arrays by hand
and check that what the fit, the prediction and the out-of-core blocks work
on is aligned and gives the same results as the aligned data.
"""

import numpy as np
import pytest

import deepstep.training.batching as batching
from deepstep import DNNClassifier, MLPClassifier
from deepstep._backend import aligned
from deepstep.estimators import placement
from deepstep.network import Network
from deepstep.outofcore import RowSource, block_gradient


def _unaligned(values, order="C"):
    """A copy of ``values`` starting one byte into a buffer: NumPy flags it unaligned."""
    values = np.asarray(values)
    raw = np.zeros(values.nbytes + 1, dtype=np.uint8)
    out = raw[1:].view(values.dtype)
    shape = values.shape if order == "C" else values.shape[::-1]
    out = out.reshape(shape)
    if order == "F":
        out = out.T
    out[...] = values
    assert not out.flags.aligned
    return out


def _data(m=600, n_x=10, dtype=np.float32):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, n_x)).astype(dtype)
    y = (X[:, 0] - 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_aligned_copies_an_unaligned_array_in_its_layout(order, dtype):
    X, _ = _data(m=7, n_x=3, dtype=dtype)
    U = _unaligned(X, order)
    A = aligned(U)
    assert A.flags.aligned and A.dtype == dtype
    assert A.flags.c_contiguous == U.flags.c_contiguous
    assert A.flags.f_contiguous == U.flags.f_contiguous
    np.testing.assert_array_equal(A, X)
    assert aligned(A) is A  # an aligned array is not copied


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_trainer_gathers_mini_batches_from_aligned_rows(monkeypatch):
    X, y = _data()
    seen = []
    original = batching.MiniBatches.__call__

    def spy(self, X_part, Y, sample_weight):
        seen.append(bool(X_part.flags.aligned))
        return original(self, X_part, Y, sample_weight)

    monkeypatch.setattr(batching.MiniBatches, "__call__", spy)
    kwargs = dict(hidden_layer_sizes=(8,), solver="adam", batch_size=64, max_iter=3,
                  random_state=0)
    for Estimator in (DNNClassifier, MLPClassifier):
        seen.clear()
        unaligned_fit = Estimator(**kwargs).fit(_unaligned(X), y)
        assert seen and all(seen)
        aligned_fit = Estimator(**kwargs).fit(X, y)
        np.testing.assert_array_equal(unaligned_fit.predict_proba(_unaligned(X)),
                                      aligned_fit.predict_proba(X))


def test_prediction_rows_are_aligned():
    X, _ = _data(m=5)
    assert placement.as_rows(_unaligned(X)).flags.aligned


def test_out_of_core_blocks_and_block_gradients_work_on_aligned_rows(monkeypatch):
    X, y = _data(m=90)
    source = RowSource(_unaligned(X), np.float32, block_rows=30)
    for start, rows in source.blocks():
        assert rows.flags.aligned
        np.testing.assert_array_equal(rows, X[start:start + 30])
    seen = []
    original = Network.loss_and_gradient

    def spy(self, X_part, *args, **kwargs):
        seen.append(bool(X_part.flags.aligned))
        return original(self, X_part, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_and_gradient", spy)
    W = np.random.default_rng(1).standard_normal((1, 10)).astype(np.float32)
    b = np.zeros((1, 1), np.float32)
    Y = y.reshape(1, -1).astype(np.float32)
    cost_u, grad_u = block_gradient(_unaligned(X), Y, [(W, b)], ["sigmoid"],
                                    "binary_cross_entropy", 90)
    assert seen == [True]
    cost_a, grad_a = block_gradient(X, Y, [(W, b)], ["sigmoid"], "binary_cross_entropy", 90)
    assert cost_u == cost_a
    for key in grad_a:
        np.testing.assert_array_equal(grad_u[key], grad_a[key])
