"""The deepstep command, run as a user would: subprocesses, files, bad input."""

import subprocess
import sys

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


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "demo"])
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
