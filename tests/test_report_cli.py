"""``deepstep report`` and ``deepstep train --report``, run in-process with the test fakes."""

from __future__ import annotations

import subprocess
import sys

import pytest

import deepstep
from deepstep.cli import main
from report_fakes import fake_diagnose, use_fake_recording, use_fakes


@pytest.fixture(autouse=True)
def _fakes(monkeypatch):
    use_fakes(monkeypatch)


def test_report_has_help():
    result = subprocess.run([sys.executable, "-m", "deepstep", "report", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "usage: deepstep report" in result.stdout
    assert "--png-dir" in result.stdout


def test_train_with_report_records_and_writes_it(tmp_path, monkeypatch, capsys):
    log = use_fake_recording(monkeypatch, n_layers=2)
    monkeypatch.chdir(tmp_path)
    status = main(["train", "--iterations", "40", "--hidden", "6", "--learning-rate", "0.1",
                   "--plot", "none", "--report", "r.html"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "report written to r.html" in out
    page = (tmp_path / "r.html").read_text()
    assert '<section id="layers">' in page and "Classes: even, odd." in page
    assert '<section id="weights">' in page  # the digits are 8x8 images
    (stats,) = log
    assert fake_diagnose.calls[-1]["statistics"] is stats
    assert (tmp_path / "r_figures" / "layers.png").is_file()


def test_train_without_report_records_nothing(tmp_path, monkeypatch, capsys):
    log = use_fake_recording(monkeypatch, n_layers=2)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--iterations", "5", "--hidden", "3", "--quiet",
                 "--plot", "none"]) == 0
    assert not log and not fake_diagnose.calls
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deepstep-model.npz"]


@pytest.mark.parametrize(("args", "message"), [
    (["--report", "missing/r.html"], "--report missing/r.html"),
    (["--report", "m.npz", "--out", "m.npz"], "the same file as --out"),
])
def test_train_checks_the_report_path_before_training(tmp_path, monkeypatch, capsys, args,
                                                      message):
    log = use_fake_recording(monkeypatch, n_layers=2)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--iterations", "5", "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepstep: error: ") and message in err
    assert not log and not list(tmp_path.iterdir())


def test_report_on_a_saved_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--iterations", "30", "--hidden", "6", "--quiet", "--plot",
                 "none"]) == 0
    capsys.readouterr()
    assert main(["report", "deepstep-model.npz", "--out", "r.html", "--png-dir", "png"]) == 0
    assert "report on built-in digits" in capsys.readouterr().out
    page = (tmp_path / "r.html").read_text()
    assert '<section id="confusion">' in page and '<section id="mislabelled">' in page
    assert "Not recorded" in page  # a saved model has no statistics
    assert (tmp_path / "png" / "weights.png").is_file()


def test_report_on_the_cat_data(tmp_path, monkeypatch, capsys, cat_dir):
    monkeypatch.chdir(tmp_path)
    data = deepstep.datasets.load_catvnoncat(cat_dir)
    X = deepstep.datasets.images_to_matrix(data.train_x)
    model = deepstep.DNNClassifier.from_course(hidden_layer_sizes=(3,), max_iter=20,
                                               random_state=1).fit(X, data.train_y)
    model.save("cat.npz", input_shape=(64, 64, 3), class_names=data.classes)
    assert main(["report", "cat.npz", "--data", str(cat_dir), "--out", "r.html"]) == 0
    page = (tmp_path / "r.html").read_text()
    assert "Classes: non-cat, cat." in page and "50 examples" in page


@pytest.mark.parametrize(("args", "message"), [
    (["nothing.npz", "--out", "missing/r.html"], "--out missing/r.html"),
    (["nothing.npz", "--png-dir", "a/b"], "png_dir a/b"),
    (["nothing.npz"], "model file not found: nothing.npz"),
])
def test_report_errors_are_one_line_and_checked_first(tmp_path, monkeypatch, capsys, args,
                                                      message):
    monkeypatch.chdir(tmp_path)
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepstep: error: ") and message in err and len(err.splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_report_refuses_a_regressor(tmp_path, monkeypatch, capsys):
    import numpy as np

    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).standard_normal((20, 64))
    deepstep.DNNRegressor(max_iter=2, tol=None).fit(X, X[:, 0]).save("reg.npz")
    assert main(["report", "reg.npz"]) == 2
    assert "reports on classifiers" in capsys.readouterr().err
