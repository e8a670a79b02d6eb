"""Initialisation: the course's numbers without global state, dtypes, errors."""

import numpy as np
import pytest

from deepstep.initializers import (
    check_random_state,
    initialize_parameters,
    initialize_parameters_deep,
)


def test_shapes_and_zero_biases():
    p = initialize_parameters_deep([6, 4, 3, 1])
    assert {k: v.shape for k, v in p.items()} == {
        "W1": (4, 6), "b1": (4, 1), "W2": (3, 4), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    assert all(not p[f"b{l}"].any() for l in (1, 2, 3))


def test_the_global_random_state_is_untouched():
    np.random.seed(12345)
    before = np.random.get_state()[1].copy()
    initialize_parameters_deep([5, 4, 3])
    initialize_parameters(3, 2, 1)
    initialize_parameters_deep([5, 4, 1], None)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_int_seed_is_the_stream_of_np_random_seed():
    # The course calls np.random.seed(3) then randn(...) * 0.01: an independent replay.
    state = np.random.get_state()
    try:
        np.random.seed(3)
        W1 = np.random.randn(4, 5) * 0.01
        W2 = np.random.randn(3, 4) * 0.01
    finally:
        np.random.set_state(state)
    p = initialize_parameters_deep([5, 4, 3])
    np.testing.assert_array_equal(p["W1"], W1)
    np.testing.assert_array_equal(p["W2"], W2)


def test_generators_are_accepted_and_advance():
    rng = np.random.default_rng(7)
    a = initialize_parameters_deep([3, 2], rng)
    b = initialize_parameters_deep([3, 2], rng)
    assert not np.array_equal(a["W1"], b["W1"])
    c = initialize_parameters_deep([3, 2], np.random.default_rng(7))
    np.testing.assert_array_equal(a["W1"], c["W1"])


def test_lecun_scale():
    p = initialize_parameters_deep([400, 300], 0, init="lecun")
    assert p["W1"].std() == pytest.approx(1 / np.sqrt(400), rel=0.02)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype(dtype):
    p = initialize_parameters_deep([3, 2, 1], dtype=dtype)
    assert all(v.dtype == dtype for v in p.values())
    q = initialize_parameters_deep([3, 2, 1])
    np.testing.assert_allclose(p["W1"], q["W1"], rtol=1e-7)  # same draws, cast


@pytest.mark.parametrize("dims", [[5], [], [5, 0, 1], [5, -2], [5, 2.5]])
def test_bad_layer_dims(dims):
    with pytest.raises((ValueError, TypeError), match="layer_dims"):
        initialize_parameters_deep(dims)


def test_layer_dims_too_short_message():
    with pytest.raises(ValueError, match=r"at least 2 sizes .*got 1: \[5\]"):
        initialize_parameters_deep([5])


def test_layer_dims_not_a_list():
    with pytest.raises(TypeError, match="layer_dims must be a list"):
        initialize_parameters_deep(5)


@pytest.mark.parametrize("bad", ["3", 1.5, -1, True])
def test_bad_random_state(bad):
    with pytest.raises((TypeError, ValueError), match="random_state"):
        check_random_state(bad)


def test_bad_dtype_and_init():
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        initialize_parameters_deep([3, 1], dtype=np.int64)
    with pytest.raises(ValueError, match="unknown init 'xavierr'"):
        initialize_parameters_deep([3, 1], init="xavierr")


def test_two_layer_sizes_are_checked():
    with pytest.raises(ValueError, match="n_h must be an integer > 0, got 0"):
        initialize_parameters(3, 0, 1)


@pytest.mark.parametrize("init,check", [
    ("lecun", lambda W, fi, fo: W.std() == pytest.approx(np.sqrt(1 / fi), rel=0.03)),
    ("he", lambda W, fi, fo: W.std() == pytest.approx(np.sqrt(2 / fi), rel=0.03)),
    ("glorot", lambda W, fi, fo: np.abs(W).max() <= np.sqrt(6 / (fi + fo))
     and W.std() == pytest.approx(np.sqrt(2 / (fi + fo)), rel=0.03)),
    ("normal", lambda W, fi, fo: W.std() == pytest.approx(0.05, rel=0.03)),
    ("uniform", lambda W, fi, fo: np.abs(W).max() <= 0.05
     and W.std() == pytest.approx(0.05 / np.sqrt(3), rel=0.03)),
    ("course", lambda W, fi, fo: W.std() == pytest.approx(0.01, rel=0.03)),
])
def test_named_initialisers_have_their_scale(init, check):
    p = initialize_parameters_deep([300, 200], np.random.default_rng(0), init=init)
    assert check(p["W1"], 300, 200) and not p["b1"].any()


@pytest.mark.parametrize("init", ["glorot", "he", "normal", "uniform"])
def test_named_initialisers_draw_from_the_given_generator_only(init):
    state = np.random.get_state()[1].copy()
    a = initialize_parameters_deep([5, 4, 1], 7, init=init)
    b = initialize_parameters_deep([5, 4, 1], 7, init=init)
    np.testing.assert_array_equal(a["W2"], b["W2"])
    np.testing.assert_array_equal(np.random.get_state()[1], state)
