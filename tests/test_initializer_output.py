"""A custom initialiser's W must be real and finite (found by the long fuzz profile, issue 23)."""

import numpy as np
import pytest

from deepstep import steps


@pytest.mark.parametrize("value", [np.array([[1 + 0j]], np.complex64), np.array([["a"]])])
def test_a_non_real_W_is_refused_not_cast(value):
    # complex64 was cast with a ComplexWarning, the imaginary part dropped
    with pytest.raises(TypeError, match=r"initialiser returned W1 of dtype .*, expected real"):
        steps.initialize_parameters_deep([1, 1], init=lambda n, n_prev, rng: value)


@pytest.mark.parametrize("value, dtype", [(np.nan, np.float64), (np.inf, np.float64),
                                          (1e300, np.float32)])
def test_a_non_finite_W_is_refused(value, dtype):
    with pytest.raises(ValueError, match="the initialiser's W1 must be finite"):
        steps.initialize_parameters_deep([1, 1], init=lambda n, n_prev, rng: np.full((1, 1), value),
                                         dtype=dtype)


def test_a_real_W_is_cast_to_the_dtype():
    params = steps.initialize_parameters_deep([2, 1], init=lambda n, n_prev, rng: np.ones((1, 2),
                                              dtype=np.int64), dtype=np.float32)
    assert params["W1"].dtype == np.float32 and params["W1"].tolist() == [[1.0, 1.0]]
