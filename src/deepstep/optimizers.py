"""Parameter updates.

Gradient descent, as in the course::

    W[l] = W[l] - alpha dW[l]
    b[l] = b[l] - alpha db[l]

An optimiser is a small object whose ``update(params, grads)`` computes its
step for every parameter (``alpha dW``, a velocity, Adam's ratio) and ends in
:meth:`Optimizer.apply_steps`, the one place where ``theta - step`` is
written. It works in place on arrays the caller owns: the training loop's
own copies of the weights, or, in the course's :func:`update_parameters`,
fresh copies, so the caller's arrays are never modified.

For plain gradient descent the training loop may fold the learning rate
into backpropagation (:attr:`Optimizer.step_scale`); it then hands the
finished steps to the same ``update`` with ``prescaled=True``.

Learning-rate schedules change ``learning_rate`` between epochs; they live in
:mod:`deepstep.training.callbacks.schedules`, with the callbacks that apply them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._backend import astype, copy, is_foreign, namespace, squared_norm
from ._validation import (
    as_float_array,
    check_finite,
    check_positive_float,
    count_layers,
    finite_result,
)

__all__ = [
    "Adam",
    "EfficientAdam",
    "GradientDescent",
    "HeavyBall",
    "Momentum",
    "Optimizer",
    "update_parameters",
]

Array = NDArray[np.floating]


class Optimizer:
    """Base class: ``update(params, grads)`` applies one step in place.

    Parameters
    ----------
    learning_rate : float
        Step size alpha > 0 (a schedule may change it between epochs).
    clip_norm : float or None, default=None
        When set, gradients whose global L2 norm exceeds ``clip_norm`` are
        rescaled to that norm before the step.
    """

    learning_rate: float
    clip_norm: float | None = None

    def clip(self, grads: Sequence[Array]) -> Sequence[Array]:
        """Rescale ``grads`` to global norm ``clip_norm`` if they exceed it.

        Parameters
        ----------
        grads : sequence of ndarray

        Returns
        -------
        sequence of ndarray
            The same arrays, or rescaled copies.
        """
        if self.clip_norm is None:
            return grads
        norm = float(np.sqrt(sum(squared_norm(g) for g in grads)))
        if norm <= self.clip_norm:
            return grads
        scale = self.clip_norm / norm
        return [g * scale for g in grads]

    def get_state(self) -> tuple[dict[str, Any], dict[str, Array]]:
        """The optimizer's state, for a training checkpoint.

        Returns
        -------
        scalars : dict
            JSON-serialisable values (learning rate, step count).
        arrays : dict of str to ndarray
            Per-parameter moments, named ``"<moment>_<index>"``.
        """
        scalars = {k: v for k, v in vars(self).items()
                   if isinstance(v, (int, float, bool)) or v is None}
        arrays = {}
        for key, value in vars(self).items():
            if isinstance(value, list):
                for i, a in enumerate(value):
                    arrays[f"{key}_{i}"] = a
        return scalars, arrays

    def set_state(self, scalars: dict[str, Any], arrays: dict[str, Array]) -> None:
        """Restore what :meth:`get_state` returned (in place of the current state).

        Parameters
        ----------
        scalars : dict
        arrays : dict of str to ndarray
        """
        for key, value in scalars.items():
            if key not in vars(self):
                raise ValueError(f"{type(self).__name__}.set_state: unknown field {key!r}")
            setattr(self, key, value)
        moments: dict[str, list[tuple[int, Array]]] = {}
        for name, a in arrays.items():
            key, _, index = name.rpartition("_")
            if key not in vars(self) or not index.isdigit():
                raise ValueError(f"{type(self).__name__}.set_state: unknown array {name!r}")
            moments.setdefault(key, []).append((int(index), a))
        for key, items in moments.items():
            setattr(self, key, [copy(a) for _, a in sorted(items, key=lambda t: t[0])])

    #: The factor s when the update is exactly ``theta -= s * dtheta`` (plain
    #: gradient descent without clipping), else None. A training step may then
    #: fold s into backpropagation's first, smallest delta and pass the
    #: finished steps to :meth:`update` with ``prescaled=True``. A subclass
    #: makes this promise only by defining ``step_scale`` itself (see
    #: ``__init_subclass__``): whoever changes the update must restate it.
    step_scale: float | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step_scale" not in cls.__dict__:
            cls.step_scale = None

    def apply_steps(self, params: Sequence[Array], steps: Sequence[Array],
                    out: Sequence[Array] | None = None) -> None:
        """``theta - step`` for every parameter, in place or into ``out``.

        The last line of every optimizer's :meth:`update`: each computes its
        step (``learning_rate * dtheta``, a velocity, Adam's ratio) and this
        subtracts it, so the parameter update itself is written once.

        Parameters
        ----------
        params : sequence of ndarray
        steps : sequence of ndarray
            What to subtract, same order and shapes.
        out : sequence of ndarray, optional
            Arrays receiving the new values; ``params`` are then left as
            they were (the training loop keeps them as its checkpoint).
        """
        for i, (theta, step) in enumerate(zip(params, steps, strict=True)):
            if out is None:
                theta -= step
            elif is_foreign(theta):
                out[i][...] = theta - step
            else:
                np.subtract(theta, step, out=out[i])

    def update(self, params: Sequence[Array], grads: Sequence[Array], *,
               overwrite_grads: bool = False, prescaled: bool = False,
               out: Sequence[Array] | None = None) -> None:
        """Apply one step to ``params`` (in place, or into ``out``).

        Parameters
        ----------
        params : sequence of ndarray
            The parameters, in a fixed order (W1, b1, W2, b2, ...).
        grads : sequence of ndarray
            The gradients of the cost, same order and shapes.
        overwrite_grads : bool, default=False
            Allow the step to use ``grads`` as scratch space (the training
            loop owns its gradient buffers): no parameter-sized temporary is
            allocated, which matters when an update is as cheap as a batch.
        prescaled : bool, default=False
            ``grads`` already are ``step_scale * dtheta`` (the training loop
            folded the factor into backpropagation); only for optimizers
            whose :attr:`step_scale` is not None.
        out : sequence of ndarray, optional
            Write the new parameters here and leave ``params`` untouched.
        """
        raise NotImplementedError


class GradientDescent(Optimizer):
    """Plain gradient descent, ``theta = theta - learning_rate * dtheta``.

    Parameters
    ----------
    learning_rate : float
        Step size alpha > 0.
    """

    def __init__(self, learning_rate: float, clip_norm: float | None = None) -> None:
        self.learning_rate = check_positive_float(learning_rate, "learning_rate",
                                                  func=type(self).__name__)
        self.clip_norm = (None if clip_norm is None else
                          check_positive_float(clip_norm, "clip_norm", func=type(self).__name__))

    @property
    def step_scale(self) -> float | None:  # type: ignore[override]
        """The learning rate, when no clipping changes the step."""
        return self.learning_rate if self.clip_norm is None else None

    def update(self, params: Sequence[Array], grads: Sequence[Array], *,
               overwrite_grads: bool = False, prescaled: bool = False,
               out: Sequence[Array] | None = None) -> None:
        """Apply ``theta -= learning_rate * dtheta`` to every parameter.

        Parameters
        ----------
        params : sequence of ndarray
            Parameters, updated in place (or read only, with ``out``).
        grads : sequence of ndarray
            Their gradients, same order and shapes.
        overwrite_grads : bool, default=False
            Scale the gradients in place instead of into a temporary.
        prescaled : bool, default=False
            ``grads`` already carry the learning rate (see :attr:`step_scale`).
        out : sequence of ndarray, optional
            Receive ``theta - step`` instead of updating ``params``.
        """
        if prescaled:
            if self.step_scale is None:
                raise ValueError(f"{type(self).__name__}.update: prescaled steps need "
                                 "step_scale (no clipping)")
            self.apply_steps(params, grads, out=out)
            return
        lr = self.learning_rate
        steps = []
        for dtheta in self.clip(grads):
            if overwrite_grads:
                dtheta *= lr
                steps.append(dtheta)
            else:
                steps.append(lr * dtheta)
        self.apply_steps(params, steps, out=out)


class Momentum(GradientDescent):
    """Gradient descent with momentum (the course's exponentially weighted form)::

        v = beta v + (1 - beta) dtheta
        theta = theta - learning_rate v

    With ``nesterov=True`` the step looks ahead along the new velocity:
    ``theta = theta - learning_rate (beta v + (1 - beta) dtheta)``.

    Parameters
    ----------
    learning_rate : float
    beta : float in [0, 1), default=0.9
    nesterov : bool, default=False
    clip_norm : float or None, default=None
    """

    def __init__(self, learning_rate: float, beta: float = 0.9, nesterov: bool = False,
                 clip_norm: float | None = None) -> None:
        super().__init__(learning_rate, clip_norm)
        self.beta = _check_beta(beta, "beta", "Momentum")
        self.nesterov = bool(nesterov)
        self.velocity: list[Array] | None = None

    def update(self, params: Sequence[Array], grads: Sequence[Array], *,
               overwrite_grads: bool = False, prescaled: bool = False,
               out: Sequence[Array] | None = None) -> None:
        """One momentum step, in place (or into ``out``).

        Parameters
        ----------
        params : sequence of ndarray
        grads : sequence of ndarray
        overwrite_grads : bool, default=False
            Use ``grads`` as scratch space instead of temporaries.
        prescaled : bool, default=False
            Not available: the velocity needs the raw gradients.
        out : sequence of ndarray, optional
        """
        _refuse_prescaled(self, prescaled)
        grads = self.clip(grads)
        if self.velocity is None:
            self.velocity = [namespace(p).zeros_like(p) for p in params]
        b, lr = self.beta, self.learning_rate
        steps = []
        for g, v in zip(grads, self.velocity, strict=True):
            g = g if overwrite_grads else copy(g)
            g *= 1 - b            # (1 - beta) dtheta
            v *= b
            v += g
            if self.nesterov:     # beta v + (1 - beta) dtheta
                g += b * v
            else:
                g[...] = v
            g *= lr
            steps.append(g)
        self.apply_steps(params, steps, out=out)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), with bias correction::

        v = beta1 v + (1 - beta1) g          s = beta2 s + (1 - beta2) g^2
        v_hat = v / (1 - beta1^t)            s_hat = s / (1 - beta2^t)
        theta = theta - learning_rate v_hat / (sqrt(s_hat) + epsilon)

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta1 : float in [0, 1), default=0.9
    beta2 : float in [0, 1), default=0.999
    epsilon : float, default=1e-8
    clip_norm : float or None, default=None
    """

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, clip_norm: float | None = None) -> None:
        self.learning_rate = check_positive_float(learning_rate, "learning_rate", func="Adam")
        self.beta1 = _check_beta(beta1, "beta1", "Adam")
        self.beta2 = _check_beta(beta2, "beta2", "Adam")
        self.epsilon = check_positive_float(epsilon, "epsilon", func="Adam")
        self.clip_norm = (None if clip_norm is None else
                          check_positive_float(clip_norm, "clip_norm", func="Adam"))
        self.t = 0
        self.v: list[Array] | None = None
        self.s: list[Array] | None = None

    def update(self, params: Sequence[Array], grads: Sequence[Array], *,
               overwrite_grads: bool = False, prescaled: bool = False,
               out: Sequence[Array] | None = None) -> None:
        """One Adam step, in place (or into ``out``).

        Parameters
        ----------
        params : sequence of ndarray
        grads : sequence of ndarray
        overwrite_grads : bool, default=False
            Use ``grads`` as scratch space instead of a temporary.
        prescaled : bool, default=False
            Not available: the moments need the raw gradients.
        out : sequence of ndarray, optional
        """
        _refuse_prescaled(self, prescaled)
        grads = self.clip(grads)
        if self.v is None or self.s is None:
            self.v = [namespace(p).zeros_like(p) for p in params]
            self.s = [namespace(p).zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        factor, c2 = self._scales()
        steps = []
        for g, v, s in zip(grads, self.v, self.s, strict=True):
            if is_foreign(g):   # the array API has no out=: plain expressions
                xp = namespace(g)
                v *= b1
                v += (1 - b1) * g
                s *= b2
                s += (1 - b2) * (g * g)
                steps.append(factor * v / (xp.sqrt(s if c2 is None else s / c2)
                                           + self.epsilon))
                continue
            # One parameter-sized scratch array (the gradient itself, when the
            # caller allows) instead of a temporary per operation.
            if overwrite_grads:
                tmp = g
                v *= b1 / (1 - b1)   # v <- b1 v + (1 - b1) g, without a temporary
                v += g
                v *= 1 - b1
                tmp *= g
            else:
                tmp = np.multiply(g, 1 - b1)
                v *= b1
                v += tmp
                np.multiply(g, g, out=tmp)
            tmp *= 1 - b2
            s *= b2
            s += tmp
            if c2 is None:
                np.sqrt(s, out=tmp)
            else:
                np.divide(s, c2, out=tmp)
                np.sqrt(tmp, out=tmp)
            tmp += self.epsilon
            np.divide(v, tmp, out=tmp)    # v / (sqrt(s_hat) + eps)
            tmp *= factor
            steps.append(tmp)
        self.apply_steps(params, steps, out=out)

    def _scales(self) -> tuple[float, float | None]:
        """This step's factor on ``v / (sqrt(s / c2) + epsilon)``, and ``c2`` (None: 1)."""
        return self.learning_rate / (1 - self.beta1 ** self.t), 1 - self.beta2 ** self.t


class HeavyBall(Optimizer):
    """Heavy-ball momentum as scikit-learn's MLP defines it (Sutskever et al., 2013)::

        v = momentum v - learning_rate dtheta
        theta = theta + v                                   (classical)
        theta = theta + momentum v - learning_rate dtheta   (nesterov=True)

    Unlike :class:`Momentum` (the course's exponentially weighted average,
    ``(1 - beta)`` in front of the gradient) the learning rate is inside the
    velocity, so changing it mid-run (a schedule) changes only future terms.

    Parameters
    ----------
    learning_rate : float
        Step size > 0.
    momentum : float in [0, 1], default=0.9
    nesterov : bool, default=True
    """

    def __init__(self, learning_rate: float, momentum: float = 0.9,
                 nesterov: bool = True) -> None:
        self.learning_rate = check_positive_float(learning_rate, "learning_rate",
                                                  func="HeavyBall")
        self.momentum = check_positive_float(momentum, "momentum", func="HeavyBall",
                                             allow_zero=True)
        if self.momentum > 1:
            raise ValueError(f"HeavyBall: momentum must be in [0, 1], got {momentum}")
        self.nesterov = bool(nesterov)
        self.velocity: list[Array] | None = None

    def update(self, params: Sequence[Array], grads: Sequence[Array], *,
               overwrite_grads: bool = False, prescaled: bool = False,
               out: Sequence[Array] | None = None) -> None:
        """One heavy-ball step, in place (or into ``out``).

        Parameters
        ----------
        params : sequence of ndarray
        grads : sequence of ndarray
        overwrite_grads : bool, default=False
            Use ``grads`` as scratch space instead of temporaries.
        prescaled : bool, default=False
            Not available: the velocity needs the raw gradients.
        out : sequence of ndarray, optional
        """
        _refuse_prescaled(self, prescaled)
        if self.velocity is None:
            self.velocity = [namespace(p).zeros_like(p) for p in params]
        mu, lr = self.momentum, self.learning_rate
        steps = []
        for g, v in zip(grads, self.velocity, strict=True):
            g = g if overwrite_grads else copy(g)
            g *= lr               # lr dtheta
            v *= mu
            v -= g                # v = mu v - lr dtheta
            # apply_steps subtracts: the step is minus what theta gains.
            if self.nesterov:
                g -= mu * v       # lr dtheta - mu v
            else:
                g[...] = -v
            steps.append(g)
        self.apply_steps(params, steps, out=out)


class EfficientAdam(Adam):
    """Adam in Kingma and Ba's "more efficient" ordering (their section 2), scikit-learn's::

        v = beta1 v + (1 - beta1) g          s = beta2 s + (1 - beta2) g^2
        lr_t = learning_rate sqrt(1 - beta2^t) / (1 - beta1^t)
        theta = theta - lr_t v / (sqrt(s) + epsilon)

    It differs from :class:`Adam` only in where epsilon sits: here it is added
    to the uncorrected ``sqrt(s)``, i.e. it equals :class:`Adam` with epsilon
    ``epsilon / sqrt(1 - beta2^t)`` (larger early on). Same parameters and
    state as :class:`Adam`.
    """

    def _scales(self) -> tuple[float, float | None]:
        """``lr sqrt(1 - beta2^t) / (1 - beta1^t)`` on ``v / (sqrt(s) + epsilon)``."""
        b1, b2, t = self.beta1, self.beta2, self.t
        return self.learning_rate * float(np.sqrt(1 - b2 ** t)) / (1 - b1 ** t), None


def _refuse_prescaled(optimizer: Optimizer, prescaled: bool) -> None:
    if prescaled:
        raise ValueError(f"{type(optimizer).__name__}.update: prescaled steps are only for "
                         "optimizers with a step_scale (plain gradient descent)")


def _check_beta(value: float, name: str, func: str) -> float:
    value = check_positive_float(value, name, func=func, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{func}: {name} must be in [0, 1), got {value}")
    return value


@finite_result("update_parameters")
def update_parameters(
    parameters: Mapping[str, NDArray[np.floating]],
    grads: Mapping[str, NDArray[np.floating]],
    learning_rate: float,
) -> dict[str, NDArray[np.floating]]:
    """One step of gradient descent on every ``W{l}`` and ``b{l}``.

    Parameters
    ----------
    parameters : dict
        ``"W{l}"`` and ``"b{l}"`` for l = 1, ..., L.
    grads : dict
        ``"dW{l}"`` and ``"db{l}"`` of the same shapes (the output of
        ``L_model_backward``; other keys such as ``"dA{l}"`` are ignored).
    learning_rate : float
        Step size alpha > 0.

    Returns
    -------
    parameters : dict
        New arrays; the caller's arrays are never modified in place.
    """
    func = "update_parameters"
    optimizer = GradientDescent(check_positive_float(learning_rate, "learning_rate", func=func))
    L = count_layers(parameters, func)
    if not isinstance(grads, Mapping):
        raise TypeError(f"{func}: grads must be a dict of gradients, got {type(grads).__name__}")
    keys, values, gradients = [], [], []
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key, gkey = f"{p}{l}", f"d{p}{l}"
            if gkey not in grads:
                raise ValueError(f"{func}: grads is missing {gkey!r} (parameters has {key!r})")
            value = as_float_array(parameters[key], f"parameters[{key!r}]", func=func)
            grad = as_float_array(grads[gkey], f"grads[{gkey!r}]", func=func)
            if grad.shape != value.shape:
                raise ValueError(
                    f"{func}: grads[{gkey!r}] must have the shape of parameters[{key!r}] "
                    f"{value.shape}, got {grad.shape}"
                )
            check_finite(grad, f"grads[{gkey!r}]", func=func)
            keys.append(key)
            # A fresh copy in the common dtype: the caller's array is never written.
            xp = namespace(value, grad)
            values.append(astype(value, xp.result_type(value, grad)))
            gradients.append(grad)
    optimizer.update(values, gradients)
    return dict(zip(keys, values, strict=True))
