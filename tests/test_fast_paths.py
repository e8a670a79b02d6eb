"""Every fast path of the training loop equals the plain computation, and fit copies no X.

The oracles are the course's step functions run by hand (``steps``) and the
unoptimised forms of each operation; none of them shares the shortcut under test.
"""

import tracemalloc

import numpy as np
import pytest

from deepstep import DNNClassifier, steps
from deepstep.initializers import initialize_parameters_deep
from deepstep.losses import LOSSES
from deepstep.optimizers import Adam, GradientDescent, Momentum
from deepstep.propagation import backward, forward, resolve_activations
from deepstep.training import Trainer


def _problem(n_x=6, m=30, dims=(5, 3, 1), seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m)).astype(dtype)
    Y = (X[:1] + 0.3 * X[1:2] > 0).astype(dtype)
    p = initialize_parameters_deep([n_x, *dims], rng, init="lecun", dtype=dtype)
    return X, Y, p


def _weights(p):
    L = len(p) // 2
    return [[p[f"W{l}"].copy(), p[f"b{l}"].copy()] for l in range(1, L + 1)]


def _by_hand(X, Y, p, iterations, lr, batch=None):
    """The course's loop: L_model_forward, L_model_backward, update_parameters."""
    params = {k: v.copy() for k, v in p.items()}
    m = X.shape[1]
    batch = batch or m
    for _ in range(iterations):
        for start in range(0, m, batch):
            Xb, Yb = X[:, start:start + batch], Y[:, start:start + batch]
            AL, caches = steps.L_model_forward(Xb, params)
            grads = steps.L_model_backward(AL, Yb, caches)
            params = steps.update_parameters(params, grads, lr)
    return params


def test_double_buffered_gradient_descent_equals_the_course_loop_in_the_callers_arrays():
    X, Y, p = _problem()
    weights = _weights(p)
    originals = [a for pair in weights for a in pair]
    t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(0.3), gram=False)
    t.fit(X, Y, 25)
    # the arrays the caller passed hold the result (an odd number of swaps included)
    after = [a for pair in t.weights for a in pair]
    assert all(a is b for a, b in zip(originals, after, strict=True))
    expected = _by_hand(X, Y, p, 25, 0.3)
    for key, value in expected.items():
        np.testing.assert_allclose(t.parameters[key], value, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("iterations", [1, 2])
def test_double_buffering_hands_back_the_callers_arrays_after_any_number_of_steps(iterations):
    X, Y, p = _problem()
    weights = _weights(p)
    W1 = weights[0][0]
    t = Trainer(weights, resolve_activations(None, 3, "t"), LOSSES["binary_cross_entropy"],
                GradientDescent(0.3), gram=False)
    t.fit(X, Y, iterations)
    assert t.weights[0][0] is W1
    np.testing.assert_allclose(W1, _by_hand(X, Y, p, iterations, 0.3)["W1"], rtol=1e-12)


@pytest.mark.parametrize("layout", ["rows", "columns", "strided"])
def test_minibatch_gathering_gives_the_same_steps_for_every_memory_layout(layout):
    X, Y, p = _problem(m=23)
    if layout == "rows":          # the transposed view of a C-ordered (m, n_x) array
        Xl = np.ascontiguousarray(X.T).T
        assert Xl.T.flags.c_contiguous
    elif layout == "columns":     # a C-ordered (n_x, m) array
        Xl = np.ascontiguousarray(X)
    else:                         # neither: every other row of a bigger array
        big = np.zeros((2 * X.shape[0], X.shape[1]))
        big[::2] = X
        Xl = big[::2]
        assert not Xl.flags.c_contiguous and not Xl.T.flags.c_contiguous
    t = Trainer(_weights(p), resolve_activations(None, 3, "t"),
                LOSSES["binary_cross_entropy"], GradientDescent(0.2))
    t.fit(Xl, Y, 3, batch_size=5, shuffle=False)
    expected = _by_hand(X, Y, p, 3, 0.2, batch=5)
    for key, value in expected.items():
        np.testing.assert_allclose(t.parameters[key], value, rtol=1e-12, atol=1e-14)


def test_shuffled_minibatches_use_exactly_the_permuted_examples():
    X, Y, p = _problem(m=20)
    t = Trainer(_weights(p), resolve_activations(None, 3, "t"),
                LOSSES["binary_cross_entropy"], GradientDescent(0.2))
    t.fit(np.ascontiguousarray(X.T).T, Y, 1, batch_size=6, rng=np.random.default_rng(5))
    order = np.random.default_rng(5).permutation(20)
    expected = _by_hand(X[:, order], Y[:, order], p, 1, 0.2, batch=6)
    for key, value in expected.items():
        np.testing.assert_allclose(t.parameters[key], value, rtol=1e-12, atol=1e-14)


def test_premeaned_backward_equals_the_course_backward():
    X, Y, p = _problem()
    weights = [(p[f"W{l}"], p[f"b{l}"]) for l in (1, 2, 3)]
    acts = resolve_activations(None, 3, "t")
    AL, caches = forward(X, weights, acts)
    delta = AL - Y
    course = backward(delta, caches, acts)
    out = {k: np.full_like(v, np.nan) for k, v in course.items() if k[:2] in ("dW", "db")}
    fast = backward(delta / X.shape[1], caches, acts, premeaned=True, out=out)
    for key in out:
        np.testing.assert_allclose(fast[key], course[key], rtol=1e-13, atol=1e-16)
        assert fast[key] is out[key]


@pytest.mark.parametrize("make", [
    lambda: GradientDescent(0.1),
    lambda: GradientDescent(0.1, clip_norm=0.05),
    lambda: Momentum(0.1, beta=0.8),
    lambda: Momentum(0.1, beta=0.8, nesterov=True),
    lambda: Adam(0.01),
])
def test_overwriting_gradients_gives_the_same_update(make):
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((4, 3)), rng.standard_normal((4, 1))]
    a, b = make(), make()
    pa, pb = [x.copy() for x in params], [x.copy() for x in params]
    for _ in range(4):
        grads = [rng.standard_normal(x.shape) for x in params]
        kept = [g.copy() for g in grads]
        a.update(pa, grads)
        for g, k in zip(grads, kept, strict=True):
            np.testing.assert_array_equal(g, k)  # untouched without overwrite_grads
        b.update(pb, [g.copy() for g in grads], overwrite_grads=True)
    for x, y in zip(pa, pb, strict=True):
        np.testing.assert_allclose(y, x, rtol=1e-13, atol=1e-15)


def test_apply_steps_into_out_leaves_the_parameters_untouched():
    opt = GradientDescent(0.5)
    assert opt.step_scale == 0.5
    assert GradientDescent(0.5, clip_norm=1.0).step_scale is None
    assert Momentum(0.5).step_scale is None and Adam().step_scale is None
    theta, step = np.arange(4.0), np.ones(4)
    out = np.empty(4)
    opt.apply_steps([theta], [step], out=[out])
    np.testing.assert_array_equal(theta, np.arange(4.0))
    np.testing.assert_array_equal(out, np.arange(4.0) - 1)


# -------------------------------------------------------------------- memory

def _peak_growth(fn):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
def test_fit_makes_no_copy_of_X(order, solver):
    # The cat data's shape: 209 images of 12288 features, float64 (20.5 MB).
    rng = np.random.default_rng(0)
    X = np.asarray(rng.random((209, 12288)), order=order)
    y = (X[:, 0] > 0.5).astype(int)
    clf = DNNClassifier.from_course(hidden_layer_sizes=(20, 7, 5), solver=solver, max_iter=3,
                                    learning_rate=0.0075, random_state=1)
    peak = _peak_growth(lambda: clf.fit(X, y))
    assert peak < 0.5 * X.nbytes, f"fit's peak memory growth {peak} >= half of X {X.nbytes}"


def test_predict_proba_memory_does_not_grow_with_the_number_of_rows():
    import deepstep

    with deepstep.config_context(predict_max_rows=1000):
        rng = np.random.default_rng(0)
        clf = DNNClassifier.from_course(hidden_layer_sizes=(64,), max_iter=2, random_state=0)
        clf.fit(rng.random((50, 8)), np.arange(50) % 2)
        small, large = rng.random((5000, 8)), rng.random((20000, 8))
        peak_small = _peak_growth(lambda: clf.predict_proba(small))
        peak_large = _peak_growth(lambda: clf.predict_proba(large))
        # The only thing that grows is the (n, 2) output itself (plus validation's
        # finiteness mask, one byte per input value); the hidden layer's
        # activations (64 per row) are only ever held for one batch.
        extra_rows = 15000
        allowance = extra_rows * (2 * 8 + 8 * 1) + 200_000
        assert peak_large - peak_small < allowance
        np.testing.assert_allclose(clf.predict_proba(large[:3000]),
                                   np.vstack([clf.predict_proba(large[i:i + 1000])
                                              for i in range(0, 3000, 1000)]), rtol=1e-12)
