"""deepstep.report: one self-contained, escaped HTML file and its PNGs, for DNN* and MLP*.

Until the diagnostics branch is merged, ``deepstep.report.adapter`` is pointed
at the test-only fakes of ``report_fakes`` (a ModelView read off the real
estimator, contract-shaped checks and statistics).
"""

from __future__ import annotations

import base64
import io
import os
import re
import stat
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

import deepstep
from deepstep import datasets
from deepstep.report import adapter
from report_fakes import MARKUP, fake_diagnose, fake_statistics, use_fakes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(autouse=True)
def _fakes(monkeypatch):
    use_fakes(monkeypatch)


@pytest.fixture(scope="module")
def digits():
    data = datasets.load_digits_binary()
    X = datasets.images_to_matrix(data.train_x)
    Xt = datasets.images_to_matrix(data.test_x)
    return data, X, Xt


@pytest.fixture(scope="module")
def digits_model(digits):
    data, X, _ = digits
    return deepstep.DNNClassifier(hidden_layer_sizes=(10,), max_iter=30, learning_rate=0.1,
                                  tol=None, random_state=0).fit(X, data.train_y)


def _images(page):
    return [base64.b64decode(m) for m in DATA_URI.findall(page)]


def test_an_image_classifier_report_has_every_section_and_png(tmp_path, digits, digits_model):
    data, X, Xt = digits
    stats = fake_statistics(n_layers=2, epochs=4)
    out = deepstep.report(digits_model, X, data.train_y, X_test=Xt, y_test=data.test_y,
                          statistics=stats, out=tmp_path / "r.html", image_shape=(8, 8, 1),
                          class_names=data.classes)
    assert out == tmp_path / "r.html"
    page = out.read_text(encoding="utf-8")
    for section in ("checks", "network", "cost", "layers", "confusion", "mislabelled",
                    "weights"):
        assert f'<section id="{section}">' in page, section
    assert '<section id="boundary">' not in page  # 64 inputs: no plane to draw
    embedded = _images(page)
    written = sorted((tmp_path / "r_figures").iterdir())
    assert [p.name for p in written] == sorted(
        f"{s}.png" for s in ("network", "cost", "layers", "confusion", "mislabelled", "weights"))
    assert sorted(embedded) == sorted(p.read_bytes() for p in written)
    for png in embedded:
        assert png.startswith(PNG_SIGNATURE)
        with Image.open(io.BytesIO(png)) as im:
            im.load()
            assert min(im.size) > 20
    # the checks ran on the data as given, with the statistics
    (call,) = fake_diagnose.calls
    assert call["X"] is X and call["y_test"] is data.test_y and call["statistics"] is stats
    # the counts shown are the model's own
    wrong = int(np.sum(digits_model.predict(Xt) != data.test_y))
    assert f"{wrong} of {len(Xt)} test examples are mislabelled" in page
    accuracy = np.mean(digits_model.predict(X) == data.train_y)
    assert f"{len(X)} examples, accuracy {accuracy:.4f}" in page


def test_the_file_is_self_contained(tmp_path, digits, digits_model):
    data, X, Xt = digits
    page = deepstep.report(digits_model, X, data.train_y, X_test=Xt, y_test=data.test_y,
                           out=tmp_path / "r.html", image_shape=(8, 8)).read_text()
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"(src|href)\s*=", DATA_URI.sub("", page), re.IGNORECASE)
    assert not re.search(r"url\(|@import|https?:", page, re.IGNORECASE)


def test_user_text_is_escaped(tmp_path, digits, digits_model):
    data, X, Xt = digits
    folder = tmp_path / "a<b>&'c"
    folder.mkdir()
    page = deepstep.report(digits_model, X, data.train_y, X_test=Xt, y_test=data.test_y,
                           out=folder / "r.html", class_names=[MARKUP, "odd"],
                           image_shape=(8, 8, 1)).read_text()
    assert "<script" not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert page.count(escaped) >= 5  # class name (summary, note), check name, finding, advice
    assert "a&lt;b&gt;&amp;&#x27;c" in page and "a<b>" not in page


def test_feature_names_and_labels_are_escaped(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((80, 2)), columns=[MARKUP, "<i>x2</i>"])
    y = np.where(X.iloc[:, 0] * X.iloc[:, 1] > 0, "<b>same</b>", "other")
    model = deepstep.DNNClassifier(hidden_layer_sizes=(6,), max_iter=40, tol=None,
                                   random_state=0)
    model.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        page = deepstep.report(model, X, y, out=tmp_path / "r.html").read_text()
    assert "<script" not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;i&gt;x2&lt;/i&gt;" in page and "&lt;b&gt;same&lt;/b&gt;" in page
    assert '<section id="boundary">' in page


@pytest.mark.parametrize("family", ["MLPClassifier", "MLPRegressor", "DNNRegressor"])
def test_mlp_and_regressor_reports_draw_the_plane_of_2d_inputs(tmp_path, family):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 3))[:, :2]
    y = X[:, 0] - X[:, 1] if family.endswith("Regressor") else (X[:, 0] > 0).astype(int)
    model = getattr(deepstep, family)(hidden_layer_sizes=(5,), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an unconverged fit is enough here
        model.fit(X, y)
    page = deepstep.report(model, X, y, out=tmp_path / "r.html").read_text()
    assert '<section id="boundary">' in page and '<section id="weights">' not in page
    assert ('<section id="confusion">' in page) == (family == "MLPClassifier")
    assert (tmp_path / "r_figures" / "boundary.png").read_bytes().startswith(PNG_SIGNATURE)


def test_without_data_or_statistics_the_report_says_what_to_pass(tmp_path, digits_model):
    page = deepstep.report(digits_model, out=tmp_path / "r.html").read_text()
    assert "pass X and y to run the checks" in page
    assert "deepstep.recording()" in page
    assert not fake_diagnose.calls
    assert '<section id="network">' in page and '<section id="confusion">' not in page


def test_a_multiclass_report_names_every_class(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((90, 2))
    y = np.array(["a", "b", "c"])[np.argmax(np.column_stack([X[:, 0], X[:, 1], -X.sum(1)]), 1)]
    model = deepstep.DNNClassifier(hidden_layer_sizes=(6,), max_iter=60, random_state=0,
                                   learning_rate=0.5, tol=None).fit(X, y)
    page = deepstep.report(model, X, y, out=tmp_path / "r.html",
                           class_names=["alpha", "beta", "gamma"]).read_text()
    assert "Classes: alpha, beta, gamma." in page
    assert '<section id="confusion">' in page and '<section id="boundary">' in page


def test_the_output_path_is_checked_before_any_work(tmp_path, monkeypatch, digits_model):
    def no_work(model):
        raise AssertionError("the model was read before the output path was checked")

    monkeypatch.setattr(adapter, "view", no_work)
    with pytest.raises(FileNotFoundError, match="report: out"):
        deepstep.report(digits_model, out=tmp_path / "missing" / "r.html")
    with pytest.raises(IsADirectoryError):
        deepstep.report(digits_model, out=tmp_path)
    with pytest.raises(FileNotFoundError, match="png_dir"):
        deepstep.report(digits_model, out=tmp_path / "r.html", png_dir=tmp_path / "a" / "b")
    assert not list(tmp_path.iterdir())


def test_the_file_is_written_atomically_with_the_umask(tmp_path, monkeypatch, digits_model):
    out = tmp_path / "r.html"
    old = os.umask(0o027)
    try:
        deepstep.report(digits_model, out=out, png_dir=tmp_path / "png")
    finally:
        os.umask(old)
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "png" / "network.png").stat().st_mode) == 0o640

    out.write_text("previous report")
    out.chmod(0o600)  # a replaced file keeps its mode, as open(path, "w") would
    deepstep.report(digits_model, out=out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.write_text("previous report")

    def broken(*args, **kwargs):
        raise RuntimeError("figure failed")

    from deepstep.report import figures

    monkeypatch.setattr(figures, "cost_figure", broken)
    with pytest.raises(RuntimeError, match="figure failed"):
        deepstep.report(digits_model, out=out)
    assert out.read_text() == "previous report"
    # no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["png", "r.html", "r_figures"]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"X": np.zeros((3, 64))}, ValueError, "X given without y"),
    ({"y_test": np.zeros(3)}, ValueError, "y_test given without X_test"),
    ({"X": np.zeros(64), "y": np.zeros(1)}, ValueError, "X must be a 2-D array"),
    ({"X": np.zeros((3, 64)), "y": np.zeros(4)}, ValueError, "y must hold one label"),
    ({"X": np.zeros((3, 5)), "y": np.zeros(3)}, ValueError, "X has 5 features per example"),
    ({"image_shape": (8, 9)}, ValueError, "image_shape must be"),
    ({"image_shape": (8, 8, 2)}, ValueError, "image_shape must be"),
    ({"image_shape": "8x8"}, ValueError, "image_shape must be"),
    ({"class_names": ["one"]}, ValueError, "class_names must have one name per class"),
    ({"class_names": "ab"}, TypeError, "class_names must be a sequence"),
    ({"statistics": 3}, TypeError, "statistics must be"),
    ({"statistics": [{"epoch": 0}]}, ValueError, "statistics.history must hold"),
    ({"out": 3}, TypeError, "out must be a file name"),
    ({"png_dir": 3}, TypeError, "png_dir must be a folder name"),
])
def test_bad_arguments_are_named(tmp_path, digits_model, kwargs, error, match):
    kwargs = {"out": tmp_path / "r.html", **kwargs}
    with pytest.raises(error, match=match):
        deepstep.report(digits_model, **kwargs)
    assert not (tmp_path / "r.html").exists()


def test_a_saved_models_input_shape_and_class_names_are_used(tmp_path, digits, digits_model):
    data, X, _ = digits
    digits_model.save(tmp_path / "m.npz", input_shape=(8, 8, 1), class_names=["EVEN", "ODD"])
    model = deepstep.load(tmp_path / "m.npz")
    page = deepstep.report(model, X, data.train_y, out=tmp_path / "r.html").read_text()
    assert '<section id="weights">' in page and "Classes: EVEN, ODD." in page


def test_deepstep_report_is_callable_whichever_object_it_names(tmp_path):
    # Importing deepstep.report.cli first (as the command line does) makes Python set
    # deepstep.report to the package: calling it must still write the report.
    missing = tmp_path / "missing" / "r.html"
    code = ("import sys, types, deepstep.report.cli, deepstep\n"
            "assert isinstance(deepstep.report, types.ModuleType)\n"
            f"try:\n    deepstep.report(None, out={str(missing)!r})\n"
            "except FileNotFoundError as exc:\n    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                sys.path)})
    assert result.returncode == 0, result.stderr
    assert "report: out" in result.stdout
    from deepstep import report

    with pytest.raises(FileNotFoundError, match="report: out"):
        report(None, out=missing)


def test_dollar_signs_in_names_are_drawn_as_text(tmp_path):
    # matplotlib reads "$...$" as mathtext; an invalid one would fail the report
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 4))
    y = (X[:, 0] > 0).astype(int)
    model = deepstep.DNNClassifier(hidden_layer_sizes=(3,), max_iter=5, tol=None,
                                   random_state=0).fit(X, y)
    page = deepstep.report(model, X, y, out=tmp_path / "r.html", image_shape=(2, 2),
                           class_names=["$\\frac$", "$x^$"]).read_text()
    assert "Classes: $\\frac$, $x^$." in page and '<section id="mislabelled">' in page


def test_a_multilabel_report_leaves_out_what_does_not_apply(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((50, 2))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    model = deepstep.DNNClassifier(hidden_layer_sizes=(4,), max_iter=5, tol=None,
                                   random_state=0).fit(X, Y)
    page = deepstep.report(model, X, Y, out=tmp_path / "r.html").read_text()
    assert '<section id="confusion">' not in page and "multilabel" in page
    assert '<section id="boundary">' in page
