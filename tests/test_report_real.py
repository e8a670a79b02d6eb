"""The report end to end on the real diagnostics: no test doubles.

The other report tests render from test doubles of the diagnostics
(``report_fakes``) to control every field; these run ``deepstep.recording``,
``deepstep.diagnose`` and ``deepstep.report`` together, for both estimator
families and through ``deepstep train --report``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from PIL import Image

import deepstep
from deepstep import DNNClassifier, MLPClassifier


def _quiet_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def _pngs(folder):
    files = sorted(folder.glob("*.png"))
    for f in files:
        with Image.open(f) as image:
            image.verify()  # a real PNG, not an empty or broken file
    return files


def test_a_dnn_report_holds_the_real_checks_and_the_recorded_layers(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    with deepstep.recording(every=1) as stats:
        clf = _quiet_fit(DNNClassifier((8, 4), max_iter=40, random_state=0), X[:200], y[:200])
    assert stats.history, "the fit inside recording() was recorded"
    out = deepstep.report(clf, X[:200], y[:200], X_test=X[200:], y_test=y[200:],
                          statistics=stats, out=tmp_path / "r.html", png_dir=tmp_path / "png")
    page = out.read_text()
    # The checks table: every check deepstep.diagnose finds for the same data, by name.
    checks = deepstep.diagnose(clf, X[:200], y[:200], X_test=X[200:], y_test=y[200:],
                               statistics=stats)
    for check in checks:
        assert check.name in page
    assert "<script" not in page and not re.search(r"(src|href)=\"https?:", page)
    names = {f.name for f in _pngs(tmp_path / "png")}
    assert len(names) >= 5  # network, costs, layers, confusion matrix, decision boundary
    assert page.count("data:image/png;base64,") >= len(names)


def test_an_mlp_on_images_shows_its_mistakes_and_first_layer_as_pictures(tmp_path):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    with deepstep.recording() as stats:
        clf = _quiet_fit(MLPClassifier((16,), max_iter=15, random_state=0), X[:1200], y[:1200])
    out = deepstep.report(clf, X[:1200], y[:1200], X_test=X[1200:], y_test=y[1200:],
                          statistics=stats, image_shape=(8, 8), out=tmp_path / "d.html")
    page = out.read_text()
    for check in deepstep.diagnose(clf, X[:1200], y[:1200]):
        assert check.name in page
    folder = tmp_path / "d_figures"
    assert len(_pngs(folder)) >= 6  # with the mislabelled digits and the first layer's weights
    assert "mislabel" in page.lower() and "first layer" in page.lower()


def test_deepstep_train_report_writes_the_report_of_the_trained_model(tmp_path, capsys):
    from deepstep import cli

    report = tmp_path / "train.html"
    code = cli.main(["train", "--iterations", "30", "--hidden", "6", "--out",
                     str(tmp_path / "m.npz"), "--report", str(report), "--quiet"])
    assert code == 0
    page = report.read_text()
    assert "initial loss" in page and "gradient check" in page
    assert _pngs(tmp_path / "train_figures")


@pytest.mark.parametrize(("bad", "escaped"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("a & b", "a &amp; b"),
])
def test_real_class_names_are_escaped(tmp_path, bad, escaped):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 2))
    y = np.where(X[:, 0] > 0, bad, "other")
    clf = _quiet_fit(DNNClassifier((3,), max_iter=5, random_state=0), X, y)
    page = deepstep.report(clf, X, y, out=tmp_path / "e.html").read_text()
    assert bad not in page
    assert escaped in page


def test_the_course_parameters_dict_is_diagnosed_and_reported(tmp_path):
    from deepstep import steps

    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parameters, _ = steps.L_layer_model(X.T, y.reshape(1, -1), [5, 4, 1],
                                            learning_rate=0.05, num_iterations=200)
    checks = deepstep.diagnose(parameters, X, y)
    assert {c.name for c in checks} >= {"initial loss", "dead and saturated units"}
    # The same model through the documented conversion: the same findings.
    converted = deepstep.diagnose(DNNClassifier.from_parameters(parameters), X, y)
    assert [c.finding for c in checks] == [c.finding for c in converted]
    page = deepstep.report(parameters, X, y, out=tmp_path / "c.html").read_text()
    for check in checks:
        assert check.name in page
