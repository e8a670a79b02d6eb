"""The deepstep command, run as a user would: subprocesses, files, bad input."""

import argparse
import errno
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import deepstep
from deepstep.cli import main


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "deepstep", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def test_demo_trains_and_reports(capsys):
    assert main(["demo", "--iterations", "300"]) == 0
    out = capsys.readouterr().out
    costs = [float(line.split(":")[1]) for line in out.splitlines() if line.startswith("cost")]
    assert len(costs) >= 3 and costs[-1] < costs[0] / 2
    assert "gradient check" in out and "training accuracy" in out


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "export", "demo"])
def test_every_subcommand_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "usage: deepstep " + command in result.stdout


def test_train_on_the_builtin_data_then_evaluate_and_predict(tmp_path):
    result = run("train", "--iterations", "300", "--learning-rate", "0.05", "--hidden", "16",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "train accuracy:" in result.stdout and "test accuracy:" in result.stdout
    assert "training: 100%" in result.stderr and "cost=" in result.stderr  # tqdm bar
    assert (tmp_path / "deepstep-model.npz").is_file()
    assert (tmp_path / "cost.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = deepstep.load(tmp_path / "deepstep-model.npz")
    assert model.n_iter_ == 300 and model.metadata_["class_names"] == ["even", "odd"]

    result = run("evaluate", "deepstep-model.npz", "--errors", "wrong.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy:" in result.stdout and "confusion matrix" in result.stdout
    assert (tmp_path / "wrong.png").is_file()

    Image.new("RGBA", (300, 120), (255, 255, 255, 0)).save(tmp_path / "a.png")
    Image.new("CMYK", (13, 31)).save(tmp_path / "b.jpg")
    result = run("predict", "deepstep-model.npz", "a.png", "b.jpg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("a.png: ")
    name, prob = lines[0].split(": ")[1].split()
    assert name in ("even", "odd") and 0.5 <= float(prob) <= 1


def test_quiet_has_no_progress_bar(tmp_path):
    result = run("train", "--iterations", "20", "--quiet", "--plot", "none", cwd=tmp_path)
    assert result.returncode == 0 and "training:" not in result.stderr
    assert not (tmp_path / "cost.png").exists()


def test_train_on_the_course_h5_files(tmp_path, cat_dir):
    result = run("train", "--data", str(cat_dir), "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "train accuracy: 0.9856" in result.stdout and "test accuracy: 0.8000" in result.stdout


def test_train_on_an_image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for cls, colour in (("red", 0), ("blue", 2)):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(6):
            a = rng.integers(0, 60, (20, 25, 3)).astype(np.uint8)
            a[..., colour] = 200
            Image.fromarray(a).save(tmp_path / "imgs" / cls / f"{i}.png")
    result = run("train", "--data", "imgs", "--image-size", "12", "--hidden", "4",
                 "--learning-rate", "0.1", "--iterations", "200", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "train accuracy: 1.0000" in result.stdout
    assert deepstep.load(tmp_path / "deepstep-model.npz").metadata_["input_shape"] == [12, 12, 3]


@pytest.mark.parametrize("args,message", [
    (["train", "--data", "missing-folder"], "data path not found"),
    (["evaluate", "missing.npz"], "model file not found"),
    (["evaluate", "notamodel.npz"], "not a deepstep model file"),
    (["predict", "notamodel.npz", "x.png"], "not a deepstep model file"),
    (["train", "--data", "empty"], "at least 2 sub-folders"),
    (["train", "--iterations", "0"], "expected a positive integer"),
    (["train", "--hidden", "3,x"], "comma-separated layer sizes"),
])
def test_bad_input_gives_one_line_and_no_traceback(tmp_path, args, message):
    (tmp_path / "notamodel.npz").write_text("hello")
    (tmp_path / "empty").mkdir()
    result = run(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr


def test_predict_bad_images_and_wrong_shaped_data(tmp_path):
    assert run("train", "--iterations", "5", "--quiet", "--plot", "none",
               cwd=tmp_path).returncode == 0
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8 broken")
    result = run("predict", "deepstep-model.npz", "corrupt.jpg", "nothere.png", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot read image" in result.stderr and "image not found" in result.stderr
    with h5py_files(tmp_path) as data:
        result = run("evaluate", "deepstep-model.npz", "--data", str(data), cwd=tmp_path)
    assert result.returncode == 2 and "but the model expects (8, 8, 1)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


class h5py_files:  # noqa: N801 - used as a context manager name
    def __init__(self, root):
        self.root = root / "h5"

    def __enter__(self):
        import h5py

        self.root.mkdir()
        for prefix, m in (("train", 4), ("test", 2)):
            with h5py.File(self.root / f"{prefix}_x.h5", "w") as f:
                f[f"{prefix}_set_x"] = np.zeros((m, 5, 5, 3), dtype=np.uint8)
                f[f"{prefix}_set_y"] = np.arange(m) % 2
        return self.root

    def __exit__(self, *exc):
        return False


# ------------------------------------------------------ in-process helpers


def cli(capsys, *args):
    """Run the command in this process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture()
def small_model(tmp_path):
    """A model trained in Python on 8 x 8 grey images, saved with its input shape."""
    from deepstep import DNNClassifier

    rng = np.random.default_rng(0)
    X = rng.random((40, 64))
    y = (X[:, 0] > 0.5).astype(int)
    clf = DNNClassifier(hidden_layer_sizes=(4,), max_iter=3, tol=None, random_state=0).fit(X, y)
    clf.save(tmp_path / "m.npz", input_shape=(8, 8, 1), class_names=["low", "high"])
    return tmp_path / "m.npz", clf


# ------------------------------------------- output paths: checked first, named


@pytest.mark.parametrize("args,message", [
    (["train", "--out", "/nonexistent/dir/x.npz"],
     "--out /nonexistent/dir/x.npz: directory /nonexistent/dir does not exist"),
    (["train", "--plot", "/nonexistent/dir/c.png"],
     "--plot /nonexistent/dir/c.png: directory /nonexistent/dir does not exist"),
    (["train", "--out", "."], "--out .: is a directory; expected a file name in it"),
    (["train", "--out", "afile/m.npz"], "--out afile/m.npz: afile is not a directory"),
    (["train", "--plot", "cost.txt"], "--plot cost.txt: expected an image file name such as "
                                      "cost.png"),
    (["train", "--out", "cost.png"], "--plot cost.png: the same file as --out"),
    (["evaluate", "missing.npz", "--errors", "/nonexistent/dir/w.png"],
     "--errors /nonexistent/dir/w.png: directory /nonexistent/dir does not exist"),
    (["export", "missing.npz", "/nonexistent/dir/m.onnx"],
     "OUT /nonexistent/dir/m.onnx: directory /nonexistent/dir does not exist"),
])
def test_output_paths_are_checked_before_any_work(tmp_path, monkeypatch, capsys, args, message):
    from deepstep import DNNClassifier

    def no_training(*a, **k):
        raise AssertionError("trained before checking the output paths")

    monkeypatch.setattr(DNNClassifier, "fit", no_training)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    status, out, err = cli(capsys, *args)
    assert status == 2 and out == ""
    assert err.startswith(f"deepstep: error: {message}")
    assert len(err.splitlines()) == 1 and ".tmp" not in err
    assert sorted(os.listdir(tmp_path)) == ["afile"]


def test_a_failed_write_names_the_option_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", full)
    status, _, err = cli(capsys, "train", "--iterations", "2", "--quiet", "--plot", "none",
                         "--out", "m.npz")
    assert status == 2
    assert err == "deepstep: error: --out m.npz: cannot write it (No space left on device)\n"
    assert os.listdir(tmp_path) == []


# ---------------------------------------------- usage errors: one line, a hint


@pytest.mark.parametrize("args,message,command", [
    (["train", "--hidden", "20,,5"], "--hidden: expected comma-separated layer sizes (positive "
     "integers) such as 20,7,5, got '20,,5' (size 2 of 3 is empty)", "train"),
    (["train", "--hidden", "20,x"], "--hidden: expected comma-separated layer sizes (positive "
     "integers) such as 20,7,5, got '20,x' (size 2 of 2, 'x', is not an integer)", "train"),
    (["train", "--hidden", "20,-3"], "(size 2 of 2 is -3)", "train"),
    (["train", "--learning_rate", "0.1"], "unrecognized arguments: --learning_rate 0.1 (did you "
     "mean --learning-rate?)", "train"),
    (["train", "--seed", "-1"], "--seed: expected an integer from 0 to 2**32 - 1, got '-1'",
     "train"),
    (["train", "--init", "zeros"], "--init: invalid choice: 'zeros'", "train"),
    (["train", "--data", "README.md"], "--data README.md: not an h5 file or a folder of h5 "
     "files or images (a file that is not HDF5); expected the course's train*.h5 file",
     "train"),
    (["evaluate", "m.npz", "--split", "val"], "--split: invalid choice: 'val'", "evaluate"),
    (["predict", "m.npz"], "the following arguments are required: IMAGE", "predict"),
    (["export", "m.npz"], "the following arguments are required: OUT", "export"),
    (["trian"], "COMMAND: invalid choice: 'trian'", None),
])
def test_usage_errors_are_one_line_and_a_hint(tmp_path, monkeypatch, capsys, args, message,
                                              command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("# not data\n")
    status, out, err = cli(capsys, *args)
    assert status == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("deepstep: error: ") and message in lines[0]
    assert lines[1] == f"try 'deepstep {command + ' ' if command else ''}--help'"


def test_usage_errors_from_a_subprocess(tmp_path):
    result = run("train", "--hidden", "20,,5", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "deepstep: error: --hidden: expected comma-separated layer sizes (positive integers) "
        "such as 20,7,5, got '20,,5' (size 2 of 3 is empty)",
        "try 'deepstep train --help'"]


def test_data_that_is_not_a_data_set_says_what_was_expected(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with h5py_files(tmp_path) as folder:
        expected = ("expected the train file with its test file beside it, or the folder "
                    "holding both")
        _, _, err = cli(capsys, "train", "--data", folder / "test_x.h5")
        assert f"--data {folder / 'test_x.h5'}: a test file; {expected} (here: --data " \
               f"{folder / 'train_x.h5'} or --data {folder})" in err
        (tmp_path / "lone").mkdir()
        os.link(folder / "train_x.h5", tmp_path / "lone" / "train_x.h5")
        _, _, err = cli(capsys, "evaluate", "m.npz", "--data", "lone/train_x.h5")
        assert (f"--data lone/train_x.h5: its test file {Path('lone/test_x.h5')} is missing; "
                f"{expected}") in err
        os.link(folder / "train_x.h5", tmp_path / "lone" / "data.h5")
        _, _, err = cli(capsys, "train", "--data", "lone/data.h5")
        assert "neither 'train' nor 'test'; expected the train file" in err
        (tmp_path / "two").mkdir()
        for name in ("train_a.h5", "train_b.h5", "test_a.h5"):
            os.link(folder / "train_x.h5", tmp_path / "two" / name)
        status, _, err = cli(capsys, "train", "--data", "two")
        assert status == 2 and "exactly one train*.h5 and one test*.h5, found ['test_a.h5', " \
            "'train_a.h5', 'train_b.h5']" in err


def test_the_course_test_file_is_refused_like_the_train_file_is_accepted(cat_dir, capsys):
    status, _, err = cli(capsys, "train", "--data", cat_dir / "test_catvnoncat.h5")
    assert status == 2 and err.splitlines()[0] == (
        f"deepstep: error: --data {cat_dir / 'test_catvnoncat.h5'}: a test file; expected the "
        "train file with its test file beside it, or the folder holding both (here: --data "
        f"{cat_dir / 'train_catvnoncat.h5'} or --data {cat_dir})")


def _parsers():
    from deepstep.cli import build_parser

    root = build_parser()
    sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    return root, sub.choices


def test_every_option_and_argument_has_help():
    root, commands = _parsers()
    assert set(commands) == {"train", "evaluate", "predict", "export", "demo", "report"}
    missing = [f"{parser.prog} {action.dest}" for parser in (root, *commands.values())
               for action in parser._actions if not (action.help or "").strip()]
    assert not missing


def test_init_offers_every_initialiser(tmp_path, monkeypatch, capsys):
    from deepstep.cli import INIT_CHOICES
    from deepstep.initializers import INITIALIZERS

    _, commands = _parsers()
    init = next(a for a in commands["train"]._actions if a.dest == "init")
    assert set(init.choices) == set(INIT_CHOICES) == set(INITIALIZERS) - {"xavier"}
    assert len(init.choices) == 6 and all(name in init.help for name in INITIALIZERS
                                          if name != "xavier")
    monkeypatch.chdir(tmp_path)
    for name in init.choices:
        status, _, err = cli(capsys, "train", "--init", name, "--iterations", "2", "--quiet",
                             "--plot", "none", "--out", f"{name}.npz")
        assert status == 0, err
        assert deepstep.load(tmp_path / f"{name}.npz").get_params()["init"] == name


def test_demo_counts_layers_as_the_course_does():
    _, commands = _parsers()
    assert "3-layer network (layer sizes [2, 8, 4, 1]" in commands["demo"].description
    assert "4-layer" not in commands["demo"].description


# ------------------------------------ a model trained in Python, through every door


def test_a_model_trained_in_python_on_the_course_images_works_with_the_cli(
        tmp_path, monkeypatch, cat_dir, capsys):
    from deepstep import DNNClassifier
    from deepstep.datasets import images_to_matrix, load_catvnoncat

    monkeypatch.chdir(tmp_path)
    data = load_catvnoncat(cat_dir)
    assert data.classes == ["non-cat", "cat"]
    clf = DNNClassifier.from_course(hidden_layer_sizes=(7,), max_iter=5, random_state=1)
    clf.fit(images_to_matrix(data.train_x), data.train_y)
    clf.save("cat-python.npz", input_shape=data.train_x.shape[1:], class_names=data.classes)

    Image.fromarray(data.test_x[0]).save("photo.jpg")
    status, out, err = cli(capsys, "predict", "cat-python.npz", "photo.jpg")
    assert status == 0, err
    name, prob = out.strip().split(": ")[1].split()
    assert name in ("non-cat", "cat") and 0.5 <= float(prob) <= 1

    status, out, err = cli(capsys, "evaluate", "cat-python.npz", "--data", cat_dir,
                           "--errors", "wrong.png")
    assert status == 0, err
    lines = out.splitlines()
    header = lines[lines.index("confusion matrix (rows: true class, columns: predicted "
                               "class)") + 1]
    assert header.split() == ["non-cat", "cat"]
    rows = lines[lines.index(header) + 1:][:2]
    assert [row.split()[0] for row in rows] == ["non-cat", "cat"] and "50 examples" in out
    assert Path("wrong.png").read_bytes()[:4] == b"\x89PNG"


def test_a_model_saved_without_an_image_shape_is_refused_by_predict(tmp_path, monkeypatch,
                                                                     capsys):
    from deepstep import DNNClassifier

    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).random((20, 12))
    DNNClassifier(hidden_layer_sizes=(3,), max_iter=2, tol=None).fit(X, X[:, 0] > 0.5).save(
        "plain.npz")
    Image.new("RGB", (4, 4)).save("x.png")
    status, _, err = cli(capsys, "predict", "plain.npz", "x.png")
    assert status == 2 and err.splitlines() == [
        "deepstep: error: model plain.npz has no image input shape saved (found none); "
        "expected (height, width, channels): save it with model.save(path, "
        "input_shape=(64, 64, 3))"]


# ------------------------------------------------------------------- export


def _fake_export(monkeypatch, export_onnx):
    module = types.ModuleType("deepstep.export")
    module.export_onnx = export_onnx
    monkeypatch.setitem(sys.modules, "deepstep.export", module)


def test_export_loads_the_model_and_calls_export_onnx(tmp_path, monkeypatch, capsys,
                                                      small_model):
    path, clf = small_model
    calls = []

    def export_onnx(estimator, out, *, opset=None):
        calls.append((estimator, out, opset))
        Path(out).write_bytes(b"onnx")
        return Path(out)

    _fake_export(monkeypatch, export_onnx)
    status, out, err = cli(capsys, "export", path, tmp_path / "m.onnx", "--opset", "17")
    assert status == 0, err
    assert out == f"model exported to {tmp_path / 'm.onnx'}\n"
    (estimator, written, opset), = calls
    assert written == str(tmp_path / "m.onnx") and opset == 17
    np.testing.assert_array_equal(estimator.parameters_["W1"], clf.parameters_["W1"])


def test_export_without_onnx_is_one_line(tmp_path, monkeypatch, capsys, small_model):
    path, _ = small_model

    def export_onnx(estimator, out, *, opset=None):
        raise ImportError("export_onnx needs the onnx package: pip install onnx\nmore")

    _fake_export(monkeypatch, export_onnx)
    status, _, err = cli(capsys, "export", path, tmp_path / "m.onnx")
    assert status == 2
    assert err == "deepstep: error: export_onnx needs the onnx package: pip install onnx\n"
    monkeypatch.setitem(sys.modules, "deepstep.export", None)
    status, _, err = cli(capsys, "export", path, tmp_path / "m.onnx")
    assert status == 2 and err.startswith("deepstep: error: ONNX export is not available (")
    assert len(err.splitlines()) == 1 and not (tmp_path / "m.onnx").exists()


def test_export_writes_an_onnx_file_the_checker_accepts(tmp_path, capsys, small_model):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("deepstep.export")
    path, _ = small_model
    status, out, err = cli(capsys, "export", path, tmp_path / "m.onnx")
    assert status == 0, err
    assert out == f"model exported to {tmp_path / 'm.onnx'}\n"
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")))


def test_a_regressor_is_refused_by_evaluate_and_predict(tmp_path, monkeypatch, capsys):
    from deepstep import DNNRegressor

    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).random((20, 64))
    DNNRegressor(hidden_layer_sizes=(3,), max_iter=2, tol=None).fit(X, X[:, 0]).save(
        "reg.npz", input_shape=(8, 8, 1))
    Image.new("L", (8, 8)).save("x.png")
    for args in (["evaluate", "reg.npz"], ["predict", "reg.npz", "x.png"]):
        status, _, err = cli(capsys, *args)
        assert status == 2 and err == ("deepstep: error: model reg.npz is a DNNRegressor; "
                                       "expected a classifier (a DNNClassifier)\n")
