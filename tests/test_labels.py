"""The classifier's label encoding: the counting shortcut equals np.unique (the oracle)."""

import numpy as np
import pytest

from deepstep import DNNClassifier
from deepstep.estimators.classifier import _unique_inverse


@pytest.mark.parametrize("y", [
    np.random.default_rng(0).integers(0, 10, 6000),
    np.random.default_rng(1).integers(-5, 3, 100).astype(np.int8),
    np.array([7, 7, 3, 1_000_000], dtype=np.int64),  # too sparse to count: np.unique
    np.array([2**63 - 1, -2**63, 0], dtype=np.int64),
    np.random.default_rng(2).integers(0, 2**40, 50).astype(np.uint64),
    np.array([3], dtype=np.uint8),
    np.array([True, False, True]),
    np.array(["b", "a", "b"]),
])
def test_unique_inverse_is_numpys(y):
    classes, index = _unique_inverse(y)
    expected_classes, expected_index = np.unique(y, return_inverse=True)
    assert classes.dtype == expected_classes.dtype
    np.testing.assert_array_equal(classes, expected_classes)
    np.testing.assert_array_equal(index, expected_index)


def test_float_labels_that_are_not_classes_are_still_refused_as_scikit_learn_does():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="Unknown label type"):
        DNNClassifier((2,), max_iter=1).fit(X, [0.5, 1.5, 0.5, 1.5])
