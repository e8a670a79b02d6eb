"""Activations: stability at |Z| = 1000, dtypes, derivatives, errors."""

import numpy as np
import pytest

from deepstep.activations import (
    ACTIVATIONS,
    get_activation,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
)

BIG = np.array([[-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_and_exact_at_large_magnitudes(dtype):
    Z = BIG.astype(dtype)
    A, cache = sigmoid(Z)  # RuntimeWarnings are errors in this suite (pyproject)
    assert A.dtype == dtype and cache is Z
    assert np.all(np.isfinite(A)) and np.all((A >= 0) & (A <= 1))
    assert A[0, 0] == 0.0 and A[0, -1] == 1.0 and A[0, 3] == 0.5
    # independent oracle: the course's 1/(1+e^-z) in extended precision, where
    # exp(1000) is still finite (x86 long double reaches 1e4932)
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-BIG.astype(np.longdouble)))
    np.testing.assert_allclose(A, expected.astype(dtype), rtol=4 * np.finfo(dtype).eps, atol=0)


def test_sigmoid_tiny_tail_keeps_relative_precision():
    # For very negative Z, 1/(1+exp(-Z)) loses nothing only if computed as exp(Z)/(1+exp(Z)).
    A, _ = sigmoid(np.array([[-700.0]]))
    np.testing.assert_allclose(A, np.exp(-700.0), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backwards_are_finite_and_keep_dtype_at_large_magnitudes(dtype):
    Z = BIG.astype(dtype)
    dA = np.ones_like(Z)
    for backward in (sigmoid_backward, relu_backward):
        dZ = backward(dA, Z)
        assert dZ.dtype == dtype and np.all(np.isfinite(dZ))


def test_relu_and_its_derivative_follow_the_course_convention():
    Z = np.array([[-2.0, 0.0, 3.0]])
    A, _ = relu(Z)
    np.testing.assert_array_equal(A, [[0.0, 0.0, 3.0]])
    dA = np.array([[5.0, 6.0, 7.0]])
    np.testing.assert_array_equal(relu_backward(dA, Z), [[0.0, 0.0, 7.0]])  # g'(0) = 0
    np.testing.assert_array_equal(dA, [[5.0, 6.0, 7.0]])  # input untouched


def test_sigmoid_backward_matches_finite_differences():
    Z = np.linspace(-6, 6, 25).reshape(1, -1)
    h = 1e-6
    numeric = (sigmoid(Z + h)[0] - sigmoid(Z - h)[0]) / (2 * h)
    np.testing.assert_allclose(sigmoid_backward(np.ones_like(Z), Z), numeric, rtol=1e-6)


def test_registry_pairs_forward_and_backward():
    assert set(ACTIVATIONS) >= {"relu", "sigmoid"}
    # the registry holds the public function's kernel: the same arithmetic,
    # without its input checks and finiteness check
    relu_entry = get_activation("relu")
    dA, Z = np.array([[1.0, -2.0, 3.0]]), np.array([[0.5, -1.0, 0.0]])
    np.testing.assert_array_equal(relu_entry.backward(dA, Z), relu_backward(dA, Z))
    np.testing.assert_array_equal(relu_entry.forward(Z)[0], relu(Z)[0])
    with np.errstate(invalid="ignore"):
        assert np.isnan(relu_entry.backward(np.array([[np.nan]]), np.array([[1.0]]))).all()
    assert get_activation("relu").name == "relu"


def test_public_activations_refuse_to_return_non_finite_values():
    for f in (relu, sigmoid):
        with pytest.raises(ValueError, match="not finite"):
            f(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="relu_backward: the result is not finite"):
        relu_backward(np.array([[np.inf]]), np.array([[0.0]]))


@pytest.mark.parametrize("name", ["tanh ", "RELU", "softplus", ""])
def test_unknown_activation_name_is_a_value_error_listing_the_known(name):
    with pytest.raises(ValueError, match=r"unknown activation .*'relu'.*'sigmoid'"):
        get_activation(name)


def test_non_string_activation_is_a_type_error():
    with pytest.raises(TypeError, match="activation must be a string"):
        get_activation(3)


def test_backward_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r"dA .*\(1, 3\).*Z of shape \(1, 2\)"):
        relu_backward(np.ones((1, 3)), np.ones((1, 2)))


@pytest.mark.parametrize("bad", [np.array([["a", "b"]]), np.array([[1 + 2j]]), None, "abc"])
def test_non_numeric_input_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Z must"):
        sigmoid(bad)


def test_integer_input_becomes_float64():
    A, _ = relu(np.array([[-1, 2]]))
    assert A.dtype == np.float64


# ------------------------------------------------------------ the other activations

ALL = ["relu", "leaky_relu", "tanh", "sigmoid", "identity", "softmax"]


@pytest.mark.parametrize("name", ALL)
def test_every_backward_matches_finite_differences_of_its_forward(name):
    # Check dZ = J^T dA with a random dA, against centred differences of sum(dA * g(Z)).
    act = get_activation(name)
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((4, 5))
    Z[np.abs(Z) < 1e-3] += 0.01  # stay off relu kinks
    dA = rng.standard_normal((4, 5))
    h = 1e-6
    numeric = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += h
        Zm[idx] -= h
        numeric[idx] = (np.sum(dA * act.forward(Zp)[0]) - np.sum(dA * act.forward(Zm)[0])) / (2 * h)
    np.testing.assert_allclose(act.backward(dA, Z), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_activation_is_stable_at_1000_and_keeps_dtype(name, dtype):
    act = get_activation(name)
    Z = np.array([[-1000.0, 0.0, 1000.0], [1000.0, -1000.0, 3.0]], dtype=dtype)
    A, cache = act.forward(Z)
    dZ = act.backward(np.ones_like(Z), cache)
    assert A.dtype == dtype and dZ.dtype == dtype
    assert np.all(np.isfinite(A)) and np.all(np.isfinite(dZ))


def test_softmax_columns_sum_to_one_and_hand_worked():
    A, _ = get_activation("softmax").forward(np.array([[0.0, 1000.0], [np.log(3.0), 0.0]]))
    np.testing.assert_allclose(A, [[0.25, 1.0], [0.75, 0.0]], rtol=1e-12, atol=1e-300)


def test_leaky_relu_and_tanh_hand_worked():
    Z = np.array([[-2.0, 3.0]])
    np.testing.assert_allclose(get_activation("leaky_relu").forward(Z)[0], [[-0.02, 3.0]])
    np.testing.assert_allclose(get_activation("tanh").forward(np.array([[np.log(2.0)]]))[0],
                               [[0.6]])  # (4 - 1) / (4 + 1)
