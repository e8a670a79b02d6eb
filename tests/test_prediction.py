"""estimators.prediction's in-place forward kernels: the registered kernels' results exactly."""

from __future__ import annotations

import numpy as np
import pytest

from deepstep.activations import ACTIVATIONS
from deepstep.estimators import prediction


@pytest.mark.parametrize("name", sorted(prediction.IN_PLACE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_kernels_equal_the_registered_ones(name, dtype):
    rng = np.random.default_rng(0)
    Z = (rng.standard_normal((7, 300)) * 30).astype(dtype)
    Z[0, :5] = [0.0, -0.0, 700.0, -700.0, 1e-30]
    expected, _ = ACTIVATIONS[name].forward(Z.copy())
    work = Z.copy()
    A, _ = prediction.in_place(ACTIVATIONS[name]).forward(work)
    assert A is work  # written over Z: no new array
    assert A.dtype == dtype
    np.testing.assert_array_equal(A, expected)


def test_other_activations_and_other_libraries_keep_their_kernels():
    for name, act in ACTIVATIONS.items():
        if name not in prediction.IN_PLACE:
            assert prediction.in_place(act) is act
