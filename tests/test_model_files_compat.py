"""Model files written before the training/estimators redesign still load and predict the same.

The files in tests/data/pre_refactor/ and their predictions (expected.json)
were written by deepstep 0.1.0 at commit 9653dbd, before the redesign, so the
oracle is the old code's own output, not the code under test.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import deepstep

DATA = Path(__file__).parent / "data" / "pre_refactor"
EXPECTED = json.loads((DATA / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED["expected"]))
def test_a_model_file_from_before_the_redesign_loads_and_predicts_the_same(name):
    model = deepstep.load(DATA / f"{name}.npz")
    X = np.array(EXPECTED["X"])
    if "float32" in name:
        X = X.astype(np.float32)
    expected = EXPECTED["expected"][name]
    got = model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    rtol = 1e-6 if "float32" in name else 1e-12
    np.testing.assert_allclose(got, np.array(expected["predictions"]), rtol=rtol, atol=rtol)
    assert np.asarray(model.predict(X)).tolist() == expected["labels"]


def test_the_old_binary_model_keeps_its_classes_and_metadata():
    model = deepstep.load(DATA / "binary.npz")
    assert model.classes_.tolist() == ["cat", "non-cat"]
    assert model.metadata_ == {"class_names": ["non-cat", "cat"]}


# Files written by the main of 2026-12-05 (commit in expected.json), before the
# one-estimator-core refactor (issue 22): that code's own predictions are the oracle.
CORE = Path(__file__).parent / "data" / "v0_1_0_9c91867"
CORE_EXPECTED = json.loads((CORE / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(CORE_EXPECTED["expected"]))
def test_a_model_file_from_before_the_one_core_refactor_loads_and_predicts_the_same(name):
    model = deepstep.load(CORE / f"{name}.npz")
    X = np.array(CORE_EXPECTED["X"])
    if "float32" in name:
        X = X.astype(np.float32)
    expected = CORE_EXPECTED["expected"][name]
    got = model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)
    assert got.dtype == X.dtype
    rtol = 1e-6 if "float32" in name else 1e-12
    np.testing.assert_allclose(got, np.array(expected["predictions"]), rtol=rtol, atol=rtol)
    assert np.asarray(model.predict(X)).tolist() == expected["labels"]


def test_the_course_model_file_keeps_its_metadata():
    model = deepstep.load(CORE / "course_gd_metadata.npz")
    assert model.metadata_ == {"input_shape": [5], "class_names": ["no", "yes"]}
    assert model.layer_sizes_ == [5, 4, 3, 1]
