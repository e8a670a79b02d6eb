"""From the course to the library (issue 23 item 2).

``DNNClassifier.from_parameters`` turns a course ``parameters`` dict into a
fitted classifier that ``save``, ``predict`` and the command line take;
``steps.print_mislabeled_images`` draws the course's figure; the command line
suggests ``--learning-rate`` for ``--lr``, keeps ``--quiet`` to the results
and says what ``predict`` does to an image that is not of the model's input.
"""

import h5py
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import deepstep
from deepstep import DNNClassifier, steps
from deepstep.cli import main

matplotlib.use("Agg")  # the figures are drawn off screen


def _course_model(seed=0, dims=(6, 4, 3, 1), m=40):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m))
    Y = (X[:1] + 0.5 * X[1:2] > 0).astype(int)
    parameters, _ = steps.L_layer_model(X, Y, list(dims), learning_rate=0.1, num_iterations=300)
    return X, Y, parameters


# ---------------------------------------------------------------- from_parameters


def test_from_parameters_predicts_what_the_course_predicts(tmp_path):
    X, Y, parameters = _course_model()
    clf = DNNClassifier.from_parameters(parameters)
    course = steps.predict(X, Y, parameters, print_accuracy=False)
    np.testing.assert_array_equal(clf.predict(X.T), course.ravel().astype(int))
    AL, _ = steps.L_model_forward(X, parameters)
    np.testing.assert_allclose(clf.predict_proba(X.T)[:, 1], AL.ravel(), rtol=1e-12)
    assert clf.score(X.T, Y.ravel()) == pytest.approx(float(np.mean(course == Y)))
    assert clf.n_features_in_ == 6 and clf.layer_sizes_ == [6, 4, 3, 1]
    assert clf.activations_ == ["relu", "relu", "sigmoid"]
    assert clf.get_params()["hidden_layer_sizes"] == (4, 3)
    # the estimator owns copies
    parameters["W1"][:] = 0
    assert clf.parameters_["W1"].any()
    clf.save(tmp_path / "m.npz")
    again = deepstep.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(again.predict_proba(X.T), clf.predict_proba(X.T))


def test_from_parameters_keeps_float32():
    X, _, parameters = _course_model()
    p32 = {k: v.astype(np.float32) for k, v in parameters.items()}
    clf = DNNClassifier.from_parameters(p32)
    assert clf.parameters_["W1"].dtype == np.float32
    assert clf.predict_proba(X.T.astype(np.float32)).dtype == np.float32


def test_from_parameters_with_a_softmax_output_and_classes():
    rng = np.random.default_rng(1)
    params = steps.initialize_parameters_deep([4, 5, 3], rng, init="lecun")
    params["b2"] = rng.standard_normal((3, 1))
    X = rng.standard_normal((4, 30))
    clf = DNNClassifier.from_parameters(params, ["tanh", "softmax"],
                                        classes=["a", "b", "c"])
    AL, _ = steps.L_model_forward(X, params, ["tanh", "softmax"])
    np.testing.assert_array_equal(clf.predict(X.T), np.array(["a", "b", "c"])[AL.argmax(0)])
    np.testing.assert_allclose(clf.predict_proba(X.T), AL.T, rtol=1e-12)


def test_the_course_classes_as_bytes_become_text():
    _, _, parameters = _course_model()
    clf = DNNClassifier.from_parameters(parameters, classes=np.array([b"non-cat", b"cat"]))
    assert clf.classes_.tolist() == ["non-cat", "cat"]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"activations": ["relu", "relu", "relu"]}, ValueError,
     r"output activation of a classifier must be 'sigmoid' or 'softmax', got 'relu'"),
    ({"activations": ["relu", "sigmoid"]}, ValueError, r"one activation per layer \(3\)"),
    ({"activations": ["rleu", "relu", "sigmoid"]}, ValueError, r"unknown activations\[0\]"),
    ({"activations": "relu"}, TypeError, "activations must be a list"),
    ({"classes": ["cat"]}, ValueError, r"1 unit\(s\) needs 2 classes, got 1"),
    ({"classes": ["cat", "cat"]}, ValueError, "classes must be distinct"),
    ({"classes": "ab"}, TypeError, "classes must be a list"),
])
def test_from_parameters_explains_bad_arguments(kwargs, error, message):
    _, _, parameters = _course_model()
    with pytest.raises(error, match=r"DNNClassifier\.from_parameters: .*" + message):
        DNNClassifier.from_parameters(parameters, **kwargs)


def test_from_parameters_checks_the_dict():
    _, _, parameters = _course_model()
    with pytest.raises(TypeError, match="parameters must be the course's dict"):
        DNNClassifier.from_parameters([parameters])
    bad = dict(parameters, W2=np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"from_parameters: W2 must have 4 columns"):
        DNNClassifier.from_parameters(bad)
    one = {"W1": np.ones((1, 3)), "b1": np.zeros((1, 1))}
    with pytest.raises(ValueError, match="softmax output needs at least 2 units"):
        DNNClassifier.from_parameters(one, ["softmax"])
    assert DNNClassifier.from_parameters(one).predict(np.ones((2, 3))).tolist() == [1, 1]


def _write_images(images, folder):
    folder.mkdir()
    for i, img in enumerate(images):
        Image.fromarray(img).save(folder / f"{i}.png")
    return sorted(folder.glob("*.png"))


def test_the_command_line_takes_a_course_model(tmp_path, cat_dir, capsys):
    with h5py.File(cat_dir / "test_catvnoncat.h5", "r") as f:
        test_x, test_y = np.array(f["test_set_x"]), np.array(f["test_set_y"])
    X = test_x.reshape(len(test_x), -1).T / 255
    parameters = steps.initialize_parameters_deep([12288, 3, 1], 2, init="lecun")
    parameters["b2"] += 0.3  # not all on one side
    course = steps.predict(X, test_y.reshape(1, -1), parameters, print_accuracy=False)
    expected = float(np.mean(course == test_y))
    clf = DNNClassifier.from_parameters(parameters)
    clf.save(tmp_path / "cat.npz", input_shape=(64, 64, 3), class_names=["non-cat", "cat"])
    status = main(["evaluate", str(tmp_path / "cat.npz"), "--data", str(cat_dir)])
    out = capsys.readouterr().out
    assert status == 0 and f"accuracy: {expected:.4f}" in out
    paths = _write_images(test_x[:2], tmp_path / "imgs")
    assert main(["predict", str(tmp_path / "cat.npz"), *map(str, paths)]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = ["non-cat", "cat"]
    assert [line.split(": ")[1].split()[0] for line in lines] == \
        [names[int(c)] for c in course.ravel()[:2]]
    pytest.importorskip("onnx")
    assert main(["export", str(tmp_path / "cat.npz"), str(tmp_path / "cat.onnx")]) == 0
    assert (tmp_path / "cat.onnx").stat().st_size > 12288 * 3 * 8


# ---------------------------------------------------------------- print_mislabeled_images


def test_print_mislabeled_images_draws_the_course_figure():
    rng = np.random.default_rng(0)
    X = rng.random((4 * 4 * 3, 6))
    y = np.array([[0, 1, 1, 0, 1, 0]])
    p = np.array([[0.0, 0.0, 1.0, 1.0, 1.0, 0.0]])
    plt.close("all")
    assert steps.print_mislabeled_images(np.array([b"non-cat", b"cat"]), X, y, p) is None
    fig = plt.gcf()
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == ["Prediction: non-cat\n Class: cat",
                                                 "Prediction: cat\n Class: non-cat"]
    shown = [ax.get_images()[0].get_array() for ax in titled]
    np.testing.assert_allclose(shown[0], X[:, 1].reshape(4, 4, 3))
    np.testing.assert_allclose(shown[1], X[:, 3].reshape(4, 4, 3))
    plt.close("all")


def test_print_mislabeled_images_grayscale_pixels_and_errors():
    X = np.arange(2 * 9, dtype=float).reshape(9, 2) * 10  # 0-255 pixels, 3 x 3 gray
    plt.close("all")
    steps.print_mislabeled_images(["a", "b"], X, np.array([1, 1]), np.array([[0, 1]]))
    (ax,) = [ax for ax in plt.gcf().axes if ax.get_title()]
    np.testing.assert_allclose(ax.get_images()[0].get_array(), X[:, 0].reshape(3, 3) / 255)
    plt.close("all")
    with pytest.raises(ValueError, match=r"p must hold one label per column of X \(2\)"):
        steps.print_mislabeled_images(["a", "b"], X, [1, 1], [1, 1, 0])
    with pytest.raises(ValueError, match="y must hold class indices 0 to 1"):
        steps.print_mislabeled_images(["a", "b"], X, [1, 2], [1, 1])
    with pytest.raises(ValueError, match="is not a square RGB or grayscale image"):
        steps.print_mislabeled_images(["a", "b"], X[:8], [1, 1], [1, 1])
    steps.print_mislabeled_images(["a", "b"], X[:8], [1, 1], [1, 0], image_shape=(2, 4, 1))
    plt.close("all")


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("typo, meant", [("--lr", "--learning-rate"),
                                         ("--epochs", "--iterations"),
                                         ("--learning_rate", "--learning-rate"),
                                         ("--output", "--out")])
def test_did_you_mean(typo, meant, capsys):
    assert main(["train", typo, "0.01"]) == 2
    err = capsys.readouterr().err
    assert f"unrecognized arguments: {typo} 0.01 (did you mean {meant}?)" in err


def test_quiet_prints_the_accuracies_only(tmp_path, capsys):
    out_file, plot = tmp_path / "m.npz", tmp_path / "c.png"
    assert main(["train", "--iterations", "3", "--quiet", "--out", str(out_file),
                 "--plot", str(plot)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["train accuracy", "test accuracy"]
    # then only the training-health checks that are not ok (3 iterations: still falling)
    assert lines[2:] and all(line.startswith(("WARN ", "FAIL ")) for line in lines[2:])
    assert err == "" and out_file.is_file() and plot.is_file()


def test_predict_says_what_it_does_to_a_photo(tmp_path, capsys):
    # The built-in data: an 8 x 8 grayscale digits model.
    model = tmp_path / "digits.npz"
    assert main(["train", "--iterations", "3", "--quiet", "--out", str(model),
                 "--plot", "none"]) == 0
    Image.new("RGB", (640, 480), (200, 30, 10)).save(tmp_path / "photo.jpg")
    Image.new("L", (8, 8), 128).save(tmp_path / "digit.png")
    capsys.readouterr()
    assert main(["predict", str(model), str(tmp_path / "photo.jpg"),
                 str(tmp_path / "digit.png")]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert err.splitlines() == [
        f"deepstep: note: {tmp_path / 'photo.jpg'}: a 640x480 colour image, resized to 8x8 "
        "and converted to grayscale: the model was trained on 8x8 grayscale images, which a "
        "photo shrunk this far may look nothing like"]
