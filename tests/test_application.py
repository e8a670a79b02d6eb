"""The course's application reproduced on the real cat vs non-cat data.

Golden values are the course's printed outputs ("Deep Neural Network for
Image Classification: Application"), quoted in issue 3:
2-layer (12288, 7, 1): cost 0.6930497356599888 at iteration 0 and
0.048554785628770226 at 2400, train accuracy 1.0, test 0.72;
4-layer [12288, 20, 7, 5, 1]: cost 0.771749 at 0 and 0.092878 at 2400,
train accuracy 0.9856, test 0.80.
"""

import h5py
import numpy as np
import pytest

from deepstep import DNNClassifier
from deepstep.application import L_layer_model, predict, two_layer_model


def _course_data(cat_dir):
    # Read with h5py directly, as the course's load_data does (independent of deepstep.datasets).
    with h5py.File(cat_dir / "train_catvnoncat.h5", "r") as f:
        train_x, train_y = np.array(f["train_set_x"]), np.array(f["train_set_y"])
    with h5py.File(cat_dir / "test_catvnoncat.h5", "r") as f:
        test_x, test_y = np.array(f["test_set_x"]), np.array(f["test_set_y"])
    flat = lambda a: a.reshape(a.shape[0], -1).T / 255  # noqa: E731 - the course's formula
    return flat(train_x), train_y.reshape(1, -1), flat(test_x), test_y.reshape(1, -1)


@pytest.fixture(scope="module")
def cat(cat_dir):
    return _course_data(cat_dir)


# The tests that share this fit run on one worker of a parallel run
# (pytest-xdist's loadgroup), so that it is fitted once.
DEEP_MODEL = pytest.mark.xdist_group("test_models-deep_model")


@pytest.fixture(scope="module")
def deep_model(cat):
    train_x, train_y, _, _ = cat
    return L_layer_model(train_x, train_y, [12288, 20, 7, 5, 1], learning_rate=0.0075,
                         num_iterations=2500)


def test_two_layer_model_reproduces_the_course(cat, capsys):
    train_x, train_y, test_x, test_y = cat
    parameters, costs = two_layer_model(train_x, train_y, (12288, 7, 1), learning_rate=0.0075,
                                        num_iterations=2500, print_cost=True)
    assert len(costs) == 25
    assert costs[0] == pytest.approx(0.6930497356599888, rel=1e-12)
    assert costs[24] == pytest.approx(0.048554785628770226, rel=1e-9)
    out = capsys.readouterr().out
    assert "Cost after iteration 0: 0.69304973565998" in out
    assert "Cost after iteration 2400: 0.0485547856287" in out
    train_pred = predict(train_x, train_y, parameters)
    test_pred = predict(test_x, test_y, parameters)
    assert np.mean(train_pred == train_y) == 1.0
    assert np.mean(test_pred == test_y) == pytest.approx(0.72)
    assert "Accuracy: 1.0" in capsys.readouterr().out


@DEEP_MODEL
def test_L_layer_model_reproduces_the_course(cat, deep_model):
    train_x, train_y, test_x, test_y = cat
    parameters, costs = deep_model
    assert len(costs) == 25
    assert round(float(costs[0]), 6) == 0.771749
    assert round(float(costs[24]), 6) == 0.092878
    assert np.mean(predict(train_x, train_y, parameters, print_accuracy=False) == train_y) \
        == pytest.approx(0.9856, abs=5e-5)
    assert np.mean(predict(test_x, test_y, parameters, print_accuracy=False) == test_y) \
        == pytest.approx(0.80)


@DEEP_MODEL
def test_classifier_with_course_settings_gives_the_same_costs(cat, deep_model):
    train_x, train_y, test_x, test_y = cat
    parameters, costs = deep_model
    clf = DNNClassifier.from_course(hidden_layer_sizes=(20, 7, 5), learning_rate=0.0075,
                                    max_iter=2500,
                                    init="lecun", random_state=1)
    clf.fit(train_x.T, train_y.ravel())
    np.testing.assert_allclose(clf.loss_curve_[::100], costs, rtol=1e-12)
    for key, value in parameters.items():
        np.testing.assert_allclose(clf.parameters_[key], value, rtol=1e-10, atol=1e-14)
    assert clf.score(test_x.T, test_y.ravel()) == pytest.approx(0.80)
    assert clf.n_iter_ == 2500 and len(clf.loss_curve_) == 2500


def test_predict_threshold_is_strictly_above_half():
    params = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}  # sigmoid(0) = 0.5 exactly
    p = predict(np.ones((1, 3)), None, params)
    np.testing.assert_array_equal(p, [[0.0, 0.0, 0.0]])


def test_course_models_validate_their_inputs():
    X = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\) = \(1, 4\)"):
        L_layer_model(X, np.ones((1, 3)), [3, 2, 1], num_iterations=1)
    with pytest.raises(ValueError, match=r"layers_dims\[0\] = 5 must equal .* = 3"):
        L_layer_model(X, np.ones((1, 4)), [5, 2, 1], num_iterations=1)
    with pytest.raises(ValueError, match=r"layers_dims must be \(n_x, n_h, n_y\)"):
        two_layer_model(X, np.ones((1, 4)), [3, 2, 2, 1], num_iterations=1)
    with pytest.warns(UserWarning, match="other than 0 and 1"):
        two_layer_model(X, np.array([[0, 1, 2, 1]]), [3, 2, 1], num_iterations=1)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        two_layer_model(X, np.ones((1, 4)), [3, 2, 1], learning_rate=-1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_course_models_keep_the_dtype(dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 20)).astype(dtype)
    Y = (X[:1] > 0).astype(int)
    parameters, costs = L_layer_model(X, Y, [4, 3, 1], learning_rate=0.1, num_iterations=150)
    assert all(v.dtype == dtype for v in parameters.values())
    assert len(costs) == 2 and costs[1] < costs[0]
    assert predict(X, Y, parameters, print_accuracy=False).dtype == dtype


# ------------------------------------------------- the literal course loop

def _wide_binary(n_x=400, m=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    return X, (X[:1] + X[1:2] > 0).astype(float)


def test_the_fast_loop_runs_the_gram_path_on_wide_data():
    # What "fast" means on the cat data's shape (more features than examples).
    from deepstep.optimizers import GradientDescent
    from deepstep.training.strategies import GramStep

    X, _ = _wide_binary()
    assert GramStep.applies("auto", GradientDescent(0.0075), X, 20, 2500)


@pytest.mark.parametrize("model, dims", [(L_layer_model, [400, 20, 7, 5, 1]),
                                         (two_layer_model, (400, 7, 1))])
def test_the_course_loop_and_the_fast_loop_give_the_same_costs(model, dims, capsys):
    X, Y = _wide_binary()
    p_course, c_course = model(X, Y, dims, learning_rate=0.05, num_iterations=301,
                               print_cost=True, loop="course")
    printed = capsys.readouterr().out
    p_fast, c_fast = model(X, Y, dims, learning_rate=0.05, num_iterations=301,
                           print_cost=True)
    assert printed.count("Cost after iteration") == 4 == len(c_course)
    assert capsys.readouterr().out.count("Cost after iteration") == 4
    np.testing.assert_allclose(c_fast, c_course, rtol=1e-10)
    for key, value in p_course.items():
        np.testing.assert_allclose(p_fast[key], value, rtol=1e-9, atol=1e-12)


def test_the_course_loop_on_the_cat_data_matches_the_fast_loop(cat):
    train_x, train_y, _, _ = cat
    dims = [12288, 20, 7, 5, 1]
    p_course, c_course = L_layer_model(train_x, train_y, dims, num_iterations=201,
                                       loop="course")
    p_fast, c_fast = L_layer_model(train_x, train_y, dims, num_iterations=201)
    assert c_course[0] == pytest.approx(0.771749, abs=5e-7)   # the course's printed cost
    np.testing.assert_allclose(c_fast, c_course, rtol=1e-11)
    for key, value in p_course.items():
        np.testing.assert_allclose(p_fast[key], value, rtol=1e-9, atol=1e-12)


def test_an_unknown_loop_is_a_clear_error():
    X, Y = _wide_binary(n_x=4, m=6)
    with pytest.raises(ValueError, match="loop must be 'fast' or 'course', got 'notebook'"):
        L_layer_model(X, Y, [4, 3, 1], num_iterations=1, loop="notebook")
