"""Cross-entropy cost: hand-worked values, saturation at 0 and 1, dtypes, errors."""

import math

import numpy as np
import pytest

from deepstep.losses import LOSSES, binary_cross_entropy_backward, compute_cost


def test_cost_hand_worked():
    AL = np.array([[0.5, 0.25]])
    Y = np.array([[1, 0]])
    expected = -(math.log(0.5) + math.log(0.75)) / 2
    assert compute_cost(AL, Y) == pytest.approx(expected, rel=1e-15)


def test_cost_accepts_label_vector_of_length_m():
    AL = np.array([[0.5, 0.25]])
    assert compute_cost(AL, np.array([1, 0])) == compute_cost(AL, np.array([[1, 0]]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cost_is_finite_when_outputs_saturate(dtype):
    AL = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    Y = np.array([[1, 0, 1, 0]])
    cost = compute_cost(AL, Y)  # RuntimeWarnings are errors in this suite
    assert np.isfinite(cost)
    # two examples wrong with clipped probability eps, two right with 1 - eps
    eps = float(np.finfo(dtype).eps)
    expected = -(2 * math.log(eps) + 2 * math.log1p(-eps)) / 4
    assert float(cost) == pytest.approx(expected, rel=1e-5)
    dAL = binary_cross_entropy_backward(AL, Y)
    assert dAL.dtype == dtype and np.all(np.isfinite(dAL))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cost_keeps_the_dtype(dtype):
    cost = compute_cost(np.array([[0.3, 0.6]], dtype=dtype), np.array([[0, 1]]))
    assert isinstance(cost, np.floating) and cost.dtype == dtype


def test_cost_derivative_matches_finite_differences():
    AL = np.array([[0.2, 0.7, 0.9]])
    Y = np.array([[0, 1, 1]])
    h = 1e-7
    m = AL.shape[1]
    for i in range(m):
        plus, minus = AL.copy(), AL.copy()
        plus[0, i] += h
        minus[0, i] -= h
        numeric = (compute_cost(plus, Y) - compute_cost(minus, Y)) / (2 * h)
        # dAL is the derivative of m * J (the 1/m is applied in linear_backward)
        analytic = binary_cross_entropy_backward(AL, Y)[0, i] / m
        assert analytic == pytest.approx(numeric, rel=1e-6)


def test_Y_and_AL_shape_mismatch():
    with pytest.raises(ValueError, match=r"Y must have the same shape as AL \(1, 3\).*\(1, 2\)"):
        compute_cost(np.full((1, 3), 0.5), np.array([[1, 0]]))


def test_column_label_vector_is_not_silently_broadcast():
    with pytest.raises(ValueError, match=r"Y of shape \(3, 1\)"):
        compute_cost(np.full((1, 3), 0.5), np.ones((3, 1)))


@pytest.mark.parametrize("label", [2, -1, 0.5])
def test_labels_outside_0_1(label):
    with pytest.raises(ValueError, match=rf"binary labels 0 or 1.*\[{label}\]"):
        compute_cost(np.full((1, 2), 0.5), np.array([[1, label]]))


def test_AL_outside_probabilities():
    with pytest.raises(ValueError, match=r"AL must hold probabilities in \[0, 1\]"):
        compute_cost(np.array([[1.5, 0.5]]), np.array([[1, 0]]))


def test_AL_nan_is_rejected_not_propagated():
    with pytest.raises(ValueError, match="AL must be finite"):
        compute_cost(np.array([[np.nan, 0.5]]), np.array([[1, 0]]))


def test_empty_batch():
    with pytest.raises(ValueError, match="at least one example"):
        compute_cost(np.empty((1, 0)), np.empty((1, 0)))


def test_non_2d_AL():
    with pytest.raises(ValueError, match="AL must be a 2-D array"):
        compute_cost(np.array([0.5, 0.5]), np.array([1, 0]))


# ------------------------------------------------------------------ the loss registry


def test_categorical_cross_entropy_hand_worked():
    AL = np.array([[0.7, 0.1], [0.2, 0.8], [0.1, 0.1]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    cost = LOSSES["categorical_cross_entropy"].cost(AL, Y)
    assert cost == pytest.approx(-(math.log(0.7) + math.log(0.8)) / 2, rel=1e-14)


def test_squared_error_hand_worked():
    cost = LOSSES["squared_error"].cost(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))
    assert cost == pytest.approx((0.5 * 1 + 0.5 * 4) / 2)


def test_multilabel_binary_cross_entropy_sums_rows():
    AL = np.array([[0.5, 0.25], [0.9, 0.6]])
    Y = np.array([[1.0, 0.0], [1.0, 1.0]])
    expected = -(math.log(0.5) + math.log(0.75) + math.log(0.9) + math.log(0.6)) / 2
    assert LOSSES["binary_cross_entropy"].cost(AL, Y) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("name", list(LOSSES))
def test_sample_weights_are_a_weighted_mean_and_ones_change_nothing(name):
    rng = np.random.default_rng(0)
    AL = rng.random((3, 4))
    AL /= AL.sum(axis=0)
    Y = np.eye(3)[:, [0, 1, 2, 0]]
    loss = LOSSES[name]
    ones = np.ones(4)
    assert loss.cost(AL, Y, ones) == pytest.approx(loss.cost(AL, Y), rel=1e-14)
    np.testing.assert_allclose(loss.output_delta(AL, Y, ones), loss.output_delta(AL, Y))
    # weight 2 on example 0 = example 0 duplicated
    dup_AL, dup_Y = np.c_[AL, AL[:, :1]], np.c_[Y, Y[:, :1]]
    w = np.array([2.0, 1, 1, 1])
    assert loss.cost(AL, Y, w) == pytest.approx(loss.cost(dup_AL, dup_Y), rel=1e-14)
