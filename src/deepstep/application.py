"""The course's application: ``two_layer_model``, ``L_layer_model`` and ``predict``.

With them, the course's own types and helpers: ``compute_cost`` as the
course returns it (a 0-d ndarray, computed with any finite labels, as the
Application's grader needs) and ``print_mislabeled_images``.

These are the functions of "Deep Neural Network for Image Classification:
Application", with the course's signatures and defaults, and two ways to run
them (the keyword ``loop``):

* ``loop="course"``: the notebook's loop, literally: every iteration calls
  the public step functions (``L_model_forward``, ``compute_cost``,
  ``L_model_backward``, ``update_parameters``; the 2-layer model calls
  ``linear_activation_forward`` and ``linear_activation_backward`` per layer
  as the notebook does), each validating its inputs.
* ``loop="fast"`` (the default): the same gradient descent run by
  :class:`deepstep.training.Trainer` on the engine's unchecked kernels, with
  1/m and the learning rate applied once to the output delta and, when there
  are more features than examples (the cat images: 12288 > 209), on the
  Gram-matrix path (:mod:`deepstep.training.strategies.gram`): the same
  arithmetic reordered, not an approximation. The costs agree with the
  course loop's to rounding (``tests/test_application.py`` checks both).

The course's initialisation is reproduced without touching NumPy's global
random state: the 2-layer model draws ``randn * 0.01`` weights from
``RandomState(1)`` (the course's ``np.random.seed(1)``) and the L-layer model
``randn / sqrt(n_prev)`` from ``RandomState(1)``, biases zero.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._backend import is_foreign, namespace, to_numpy
from ._plots import image_grid
from ._validation import (
    as_float_array,
    check_finite,
    check_positive_float,
    check_positive_int,
    finite_result,
)
from ._warnings import warn
from .initializers import RandomLike, initialize_parameters, initialize_parameters_deep
from .layers import linear_activation_backward, linear_activation_forward
from .losses import (
    LOSSES,
    _binary_cross_entropy,
    _check_output_and_labels,
    binary_cross_entropy_backward,
)
from .network import Network
from .optimizers import GradientDescent, update_parameters
from .propagation import (
    L_model_backward,
    L_model_forward,
    check_parameters,
    default_activations,
    forward,
    resolve_activations,
)
from .training import CostPrinter, Trainer

__all__ = ["L_layer_model", "compute_cost", "predict", "print_mislabeled_images",
           "two_layer_model"]

Array = NDArray[np.floating]
Parameters = dict[str, Array]
Costs = list[NDArray[np.floating]]


def two_layer_model(
    X: ArrayLike,
    Y: ArrayLike,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    *,
    random_state: RandomLike = 1,
    loop: str = "fast",
) -> tuple[Parameters, Costs]:
    """Train LINEAR -> RELU -> LINEAR -> SIGMOID by gradient descent.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        Input data, one example per column (the course: flattened images / 255).
    Y : ndarray of shape (1, m)
        Labels, 0 or 1. Other finite values are computed with as the
        course computes them (its grader draws Y with ``randn``), with a
        ``UserWarning``.
    layers_dims : (n_x, n_h, n_y)
        Sizes of the input, hidden and output layers.
    learning_rate : float, default=0.0075
    num_iterations : int, default=3000
    print_cost : bool, default=False
        Print the cost every 100 iterations and after the last one, as the
        newest notebook does.
    random_state : None, int, RandomState or Generator, default=1
        Seed of the initialisation (1 is the course's).
    loop : {"fast", "course"}, default="fast"
        "course" runs the notebook's loop with the public step functions;
        "fast" the same gradient descent through the Trainer (module docs).

    Returns
    -------
    parameters : dict
        The learnt ``W1``, ``b1``, ``W2``, ``b2``.
    costs : list of 0-d ndarray
        The cost at iterations 0, 100, 200, ..., each as the course's
        ``compute_cost`` returns it (``np.squeeze`` of a (1, 1) array: a
        0-d ndarray of X's dtype).
    """
    func = "two_layer_model"
    X, Y = _check_course_data(X, Y, func)
    dims = _check_dims(layers_dims, 3, X, func)
    parameters = initialize_parameters(*dims, random_state, dtype=X.dtype)
    return _run(X, Y, parameters, learning_rate, num_iterations, print_cost, loop,
                _two_layer_iteration, func)


def L_layer_model(
    X: ArrayLike,
    Y: ArrayLike,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    *,
    random_state: RandomLike = 1,
    loop: str = "fast",
) -> tuple[Parameters, Costs]:
    """Train [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID by gradient descent.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        Input data, one example per column.
    Y : ndarray of shape (1, m)
        Labels, 0 or 1 (other finite values: as in :func:`two_layer_model`).
    layers_dims : sequence of int, length L + 1
        Layer sizes, input first (the course: ``[12288, 20, 7, 5, 1]``).
    learning_rate : float, default=0.0075
    num_iterations : int, default=3000
    print_cost : bool, default=False
        Print the cost every 100 iterations and after the last one, as the
        newest notebook does.
    random_state : None, int, RandomState or Generator, default=1
        Seed of the initialisation (1 is the course's); weights are
        ``randn / sqrt(n_prev)`` as in the course's application.
    loop : {"fast", "course"}, default="fast"
        "course" runs the notebook's loop with the public step functions;
        "fast" the same gradient descent through the Trainer, on the
        Gram-matrix path when n_x > m (module docs).

    Returns
    -------
    parameters : dict
        The learnt ``W1``, ``b1``, ..., ``WL``, ``bL``.
    costs : list of 0-d ndarray
        The cost at iterations 0, 100, 200, ..., each as the course's
        ``compute_cost`` returns it (``np.squeeze`` of a (1, 1) array: a
        0-d ndarray of X's dtype).
    """
    func = "L_layer_model"
    X, Y = _check_course_data(X, Y, func)
    dims = _check_dims(layers_dims, None, X, func)
    parameters = initialize_parameters_deep(dims, random_state, init="lecun", dtype=X.dtype)
    return _run(X, Y, parameters, learning_rate, num_iterations, print_cost, loop,
                _L_layer_iteration, func)


def predict(
    X: ArrayLike, y: ArrayLike | None, parameters: Parameters, print_accuracy: bool = True
) -> Array:
    """Predict 0/1 labels with a trained L-layer network, and report the accuracy.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        Input data.
    y : ndarray of shape (1, m) or None
        True labels; when given, the accuracy is printed as in the course.
    parameters : dict
        Trained parameters.
    print_accuracy : bool, default=True
        Print ``Accuracy: ...`` when ``y`` is given.

    Returns
    -------
    p : ndarray of shape (1, m)
        1.0 where the predicted probability is strictly above 0.5, else 0.0,
        in X's dtype.
    """
    func = "predict"
    X = as_float_array(X, "X", func=func)
    check_finite(X, "X", func=func)
    weights = check_parameters(parameters, X.shape[0], func)
    acts = resolve_activations(default_activations(len(weights)), len(weights), func)
    dtype = np.result_type(X, *(w for pair in weights for w in pair))
    probas, _ = forward(X.astype(dtype, copy=False), weights, acts)
    p = (probas > 0.5).astype(dtype)
    if y is not None:
        _, Y = _check_course_data(X, y, func)
        if Y.shape != p.shape:
            raise ValueError(f"{func}: y must have shape {p.shape}, got {Y.shape}")
        if print_accuracy:
            print(f"Accuracy: {float(np.mean(p == Y))}")
    return p


@finite_result("compute_cost")
def compute_cost(AL: ArrayLike, Y: ArrayLike) -> Any:
    """Cross-entropy cost, equation (7), returned as the course's ``compute_cost`` returns it.

    The same cost as :func:`deepstep.losses.compute_cost` (probabilities
    clipped to ``[eps, 1 - eps]``), with the course's types: ``np.squeeze``
    of its (1, 1) sum, a 0-d ndarray (what the graders compare, and what
    :func:`L_layer_model` lists); and, like the course, any finite labels:
    values other than 0 and 1 (the Application grader's ``randn`` labels)
    are computed with, with a ``UserWarning``.

    Parameters
    ----------
    AL : ndarray of shape (1, m)
        Predicted probabilities, each in [0, 1].
    Y : ndarray of shape (1, m), or (m,)
        True labels, 0 or 1.

    Returns
    -------
    cost : 0-d ndarray of AL's dtype
        (A Python float for arrays of another library than NumPy.)
    """
    func = "compute_cost"
    AL, Y = _check_output_and_labels(AL, Y, func, binary=False)
    xp = namespace(AL)
    if bool(xp.any((AL < 0) | (AL > 1))):
        raise ValueError(
            f"{func}: AL must hold probabilities in [0, 1], got values in "
            f"[{float(xp.min(AL))!r}, {float(xp.max(AL))!r}]"
        )
    _warn_if_not_binary(Y, func)
    cost = _binary_cross_entropy(AL, Y)
    return cost if is_foreign(AL) else np.asarray(cost)


def _not_binary(Y: Any) -> Any:
    """The values of Y other than 0 and 1 (a host array, empty when there are none)."""
    bad = (Y != 0) & (Y != 1)
    if not bool(namespace(Y).any(bad)):
        return np.empty(0)
    return to_numpy(Y)[to_numpy(bad)]


def _warn_if_not_binary(Y: Any, func: str) -> None:
    others = _not_binary(Y)
    if others.size:
        values = ", ".join(f"{v:g}" for v in np.unique(others)[:5].tolist())
        warn(f"{func}: Y holds {others.size} value(s) other than 0 and 1 (e.g. {values}): "
             "used as given, as the course does, but the cost is a cross-entropy (and "
             "the accuracy meaningful) only for labels 0 and 1")


class _CostPrinter(CostPrinter):
    """The newest notebook's printing: every ``every`` iterations and after the last one."""

    def __init__(self, every: int, last: int) -> None:
        super().__init__(every)
        self.last = last

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.last and epoch % self.every and logs:
            print(f"Cost after iteration {epoch}: {logs['loss']}", file=self.stream or sys.stdout)
        super().on_epoch_end(epoch, logs)


def print_mislabeled_images(classes: Any, X: ArrayLike, y: ArrayLike, p: ArrayLike, *,
                            image_shape: Sequence[int] | None = None) -> None:
    """Draw the images whose prediction differs from the truth, as the course's helper does.

    One image per mislabelled example (a new matplotlib figure, with the
    current backend: inline in a notebook), titled ``Prediction: <class>``
    and ``Class: <class>``. Unlike the course's helper, the global
    ``rcParams`` are left as they are and the image shape is not fixed to
    64 x 64 x 3.

    Parameters
    ----------
    classes : sequence of str or bytes
        Class names by label (the course's ``classes``: ``[b'non-cat', b'cat']``).
    X : ndarray of shape (n_x, m)
        The flattened images, one per column (the course's ``test_x``), in
        [0, 1] (values above 1 are taken as 0-255 pixels).
    y : ndarray of shape (1, m)
        True labels.
    p : ndarray of shape (1, m)
        Predicted labels (``predict``'s output).
    image_shape : (height, width, channels), optional
        By default square RGB images (grayscale where n_x is not 3 times a
        square).

    Returns
    -------
    None
        The figure is ``matplotlib.pyplot.gcf()``.
    """
    func = "print_mislabeled_images"
    X = as_float_array(X, "X", func=func)
    labels = [as_float_array(v, k, ndim=None, func=func).reshape(-1) for k, v in
              (("y", y), ("p", p))]
    for name, v in zip("yp", labels, strict=True):
        if v.shape != (X.shape[1],):
            raise ValueError(f"{func}: {name} must hold one label per column of X "
                             f"({X.shape[1]}), got {v.size}")
    names = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in list(classes)]
    y_int, p_int = (_label_indices(v, len(names), name, func)
                    for name, v in zip("yp", labels, strict=True))
    shape = _image_shape(X.shape[0], image_shape, func)
    scale = 255.0 if X.size and float(np.max(X)) > 1 else 1.0
    wrong = np.flatnonzero(y_int != p_int)
    import matplotlib.pyplot as plt

    image_grid(plt, [np.clip(X[:, i].reshape(shape) / scale, 0, 1) for i in wrong],
               [f"Prediction: {names[p_int[i]]}\n Class: {names[y_int[i]]}" for i in wrong],
               cols=10)


def _label_indices(v: Array, n_classes: int, name: str, func: str) -> NDArray[np.intp]:
    check_finite(v, name, func=func)
    idx = v.astype(np.intp)
    if not np.array_equal(idx, v) or (idx.size and (idx.min() < 0 or idx.max() >= n_classes)):
        raise ValueError(f"{func}: {name} must hold class indices 0 to {n_classes - 1} "
                         f"(one per name in classes), got values in [{v.min():g}, {v.max():g}]")
    return idx


def _image_shape(n_x: int, image_shape: Any, func: str) -> tuple[int, ...]:
    if image_shape is not None:
        shape = tuple(check_positive_int(d, "image_shape", func=func) for d in image_shape)
        if len(shape) != 3 or int(np.prod(shape)) != n_x:
            raise ValueError(f"{func}: image_shape must be (height, width, channels) with "
                             f"{n_x} values in all (X.shape[0]), got {image_shape}")
        return shape
    for channels in (3, 1):
        side = round((n_x / channels) ** 0.5)
        if side * side * channels == n_x:
            return (side, side, channels)
    raise ValueError(f"{func}: X.shape[0] = {n_x} is not a square RGB or grayscale image; "
                     "pass image_shape=(height, width, channels)")


def _run(X: Array, Y: Array, parameters: Parameters, learning_rate: float,
         num_iterations: int, print_cost: bool, loop: str, iteration: Any,
         func: str) -> tuple[Parameters, Costs]:
    learning_rate = check_positive_float(learning_rate, "learning_rate", func=func)
    num_iterations = check_positive_int(num_iterations, "num_iterations", func=func,
                                        allow_zero=True)
    if loop == "course":
        if _not_binary(Y).size:
            raise ValueError(
                f"{func}: loop='course' calls L_model_backward, which takes labels 0 or 1; "
                "Y holds other values: use loop='fast' (the default), which computes with "
                "them as the course does"
            )
        return _course_loop(X, Y, parameters, learning_rate, num_iterations, print_cost,
                            iteration)
    if loop != "fast":
        raise ValueError(f"{func}: loop must be 'fast' or 'course', got {loop!r}")
    L = len(parameters) // 2
    # The initial parameters copied once into the network's buffer; the
    # returned dict holds views of it (the trained weights, no further copy).
    net = Network.from_parameters(parameters, resolve_activations(None, L, func),
                                  LOSSES["binary_cross_entropy"])
    callbacks = [_CostPrinter(100, num_iterations - 1)] if print_cost else []
    trainer = Trainer(net, optimizer=GradientDescent(learning_rate), callbacks=callbacks)
    history = trainer.fit(X, Y, num_iterations)
    # The course's costs are compute_cost's 0-d arrays, in X's dtype.
    costs = [np.asarray(c, dtype=X.dtype) for c in history.history.get("loss", [])[::100]]
    return net.parameters, costs


def _course_loop(X: Array, Y: Array, parameters: Parameters, learning_rate: float,
                 num_iterations: int, print_cost: bool, iteration: Any
                 ) -> tuple[Parameters, Costs]:
    """The notebook's loop: one course iteration at a time, the cost kept every 100."""
    costs = []
    for i in range(num_iterations):
        cost, parameters = iteration(X, Y, parameters, learning_rate)
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print(f"Cost after iteration {i}: {np.squeeze(cost)}")
        if i % 100 == 0:
            costs.append(cost)
    return parameters, costs


def _L_layer_iteration(X: Array, Y: Array, parameters: Parameters,
                       learning_rate: float) -> tuple[Any, Parameters]:
    # The notebook's loop body for the L-layer model, word for word.
    AL, caches = L_model_forward(X, parameters)
    cost = compute_cost(AL, Y)
    grads = L_model_backward(AL, Y, caches)
    parameters = update_parameters(parameters, grads, learning_rate)
    return cost, parameters


def _two_layer_iteration(X: Array, Y: Array, parameters: Parameters,
                         learning_rate: float) -> tuple[Any, Parameters]:
    # The notebook's loop body for the 2-layer model, layer by layer.
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
    A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
    cost = compute_cost(A2, Y)
    dA2 = binary_cross_entropy_backward(A2, Y)
    dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
    _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    parameters = update_parameters(parameters, grads, learning_rate)
    return cost, parameters


def _check_course_data(X: Any, Y: Any, func: str) -> tuple[Array, Array]:
    X = as_float_array(X, "X", func=func)
    check_finite(X, "X", func=func)
    Y = as_float_array(Y, "Y", ndim=None, func=func)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.shape != (1, X.shape[1]):
        raise ValueError(
            f"{func}: Y must have shape (1, m) = (1, {X.shape[1]}) to match X of shape "
            f"{X.shape} (examples are columns), got {Y.shape}"
        )
    if X.shape[1] == 0:
        raise ValueError(f"{func}: X must hold at least one example (column), got m = 0")
    check_finite(Y, "Y", func=func)
    _warn_if_not_binary(Y, func)
    return X, Y.astype(X.dtype, copy=False)


def _check_dims(layers_dims: Any, length: int | None, X: Array, func: str) -> list[int]:
    if isinstance(layers_dims, (str, bytes)) or not isinstance(
        layers_dims, (Sequence, np.ndarray)
    ):
        raise TypeError(f"{func}: layers_dims must be a list of layer sizes, got "
                        f"{type(layers_dims).__name__}")
    dims = [check_positive_int(d, f"layers_dims[{i}]", func=func)
            for i, d in enumerate(layers_dims)]
    if length is not None and len(dims) != length:
        raise ValueError(f"{func}: layers_dims must be (n_x, n_h, n_y), got {dims}")
    if len(dims) < 2:
        raise ValueError(f"{func}: layers_dims must list at least 2 sizes, got {dims}")
    if dims[0] != X.shape[0]:
        raise ValueError(
            f"{func}: layers_dims[0] = {dims[0]} must equal the number of input features "
            f"X.shape[0] = {X.shape[0]}"
        )
    if dims[-1] != 1:
        raise ValueError(f"{func}: the output layer must have 1 unit (binary labels), "
                         f"got layers_dims[-1] = {dims[-1]}")
    return dims
