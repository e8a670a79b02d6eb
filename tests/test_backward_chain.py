"""L_model_backward refuses caches whose shapes do not chain (issue 23, the long fuzz profile)."""

import numpy as np
import pytest

from deepstep import steps


def _caches(dims, m=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m))
    params = steps.initialize_parameters_deep(dims, rng)
    return steps.L_model_forward(X, params)


def test_a_cache_that_does_not_follow_the_previous_layer_is_refused():
    # The fuzzer's case: layer 2's Z is (2, 1), layer 3's cached A_prev (1, 1).
    # Each cache is consistent on its own; only the chain is broken, and the
    # course's code would broadcast dA3 (1, 1) against Z2 (2, 1), giving a dW2
    # of the wrong shape.
    AL, caches = _caches([3, 2, 2, 1])
    _, other = _caches([1, 1])  # one layer whose A_prev is (1, 1)
    (_, W3, b3), Z3 = caches[2]
    (A_other, _, _), _ = other[0]
    W3 = np.ones((1, 1))
    Z3 = W3 @ A_other + b3
    broken = [caches[0], caches[1], ((A_other, W3, b3), Z3)]
    AL = 1 / (1 + np.exp(-Z3))
    with pytest.raises(ValueError, match=r"L_model_backward: the caches do not chain: layer 3's "
                                         r"cached A_prev has shape \(1, 1\) but layer 2's Z "
                                         r"has shape \(2, 1\)"):
        steps.L_model_backward(AL, np.array([[1]]), broken)


def test_caches_from_L_model_forward_chain():
    AL, caches = _caches([3, 2, 2, 1], m=4)
    grads = steps.L_model_backward(AL, np.array([[1, 0, 1, 0]]), caches)
    assert grads["dW2"].shape == (2, 2) and grads["dA0"].shape == (3, 4)
