"""The estimators' hyperparameters as a declarative table, checked by ``fit``.

In the spirit of scikit-learn's ``_parameter_constraints``: :data:`PARAMETERS`
maps each parameter name to a constraint object, and :func:`validate_params`
checks an estimator's values against the table, in the table's order, when
``fit`` or ``partial_fit`` starts (never in ``__init__``, which only stores its
arguments, as scikit-learn requires). The first broken rule raises; the order
of the table is therefore part of the behaviour (which message a user sees
when several values are wrong) and must not be rearranged casually.

Every message starts with the name of the estimator that raised it
(``"DNNRegressor: learning_rate must be ..."``), so a user of several
estimators knows which one to fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_positive_float, check_positive_int
from ..activations import get_activation
from ..initializers import INITIALIZERS
from ..training.callbacks.schedules import SCHEDULES

__all__ = ["LOSS", "PARAMETERS", "check_param", "validate_params"]

_REQUIRED = object()


class Constraint:
    """One parameter's rule.

    Attributes
    ----------
    missing : object
        Value used when the estimator has no such attribute at all (an object
        unpickled from before the parameter existed); by default the attribute
        is required and its absence raises ``AttributeError``.
    """

    missing: Any = _REQUIRED

    def check(self, value: Any, name: str, func: str, checked: Mapping[str, Any]) -> Any:
        """Return ``value`` as ``fit`` uses it, or raise ``TypeError``/``ValueError``.

        Parameters
        ----------
        value : object
            The parameter's value.
        name : str
            The parameter's name, used in the message.
        func : str
            Name the message starts with (the estimator's class name).
        checked : mapping
            The values of the parameters checked before this one, as returned
            by their constraints (for rules that depend on another parameter).
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Real(Constraint):
    """A finite real number > 0 (>= 0 with ``allow_zero``), below ``below`` if given.

    Returns the value as a ``float``; None is accepted (and returned) when
    ``optional``.
    """

    allow_zero: bool = False
    below: float | None = None
    optional: bool = False
    missing: Any = _REQUIRED

    def check(self, value: Any, name: str, func: str, checked: Mapping[str, Any]) -> Any:
        if self.optional and value is None:
            return None
        number = check_positive_float(value, name, func=func,
                                      allow_zero=self.allow_zero)
        if self.below is not None and number >= self.below:
            low = "[0" if self.allow_zero else "(0"
            raise ValueError(f"{func}: {name} must be in {low}, {self.below:g}), got {number}")
        return number


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer > 0, returned as ``int``; None is accepted when ``optional``.

    With ``unbounded``, None and ``np.inf`` are accepted too and returned as
    ``math.inf`` ("never": a patience that never runs out, as Keras's
    ``patience`` and scikit-learn's ``n_iter_no_change=np.inf``).
    """

    optional: bool = False
    unbounded: bool = False
    missing: Any = _REQUIRED

    def check(self, value: Any, name: str, func: str, checked: Mapping[str, Any]) -> Any:
        if self.optional and value is None:
            return None
        if self.unbounded and (value is None or (isinstance(value, (float, np.floating))
                                                 and value == math.inf)):
            return math.inf
        return check_positive_int(value, name, func=func)


@dataclass(frozen=True)
class Options(Constraint):
    """One of ``choices`` (membership as the container defines it), returned unchanged.

    ``choices`` is kept as given: a dict tests membership by hashing (so an
    unhashable value is a ``TypeError``), a tuple by equality; ``accept``
    admits further values (a callable initialiser). ``template`` is formatted
    with ``name``, ``value`` and ``expected`` into the message.
    """

    choices: Collection[Any]
    expected: str
    template: str = "unknown {name} {value!r}; expected {expected}"
    accept: Callable[[Any], bool] | None = None
    missing: Any = _REQUIRED

    def check(self, value: Any, name: str, func: str, checked: Mapping[str, Any]) -> Any:
        if (self.accept is None or not self.accept(value)) and value not in self.choices:
            raise ValueError(f"{func}: " + self.template.format(name=name, value=value,
                                                           expected=self.expected))
        return value


class HiddenLayerSizes(Constraint):
    """A sequence of integers > 0 (or one integer), returned as a list of ints."""

    def check(self, value: Any, name: str, func: str, checked: Mapping[str, Any]) -> Any:
        sizes = value
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            sizes = [sizes]
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
            raise TypeError(f"{func}: {name} must be a sequence of positive ints, "
                            f"got {type(sizes).__name__}")
        return [check_positive_int(s, f"{name}[{i}]", func=func)
                for i, s in enumerate(sizes)]


class Activations(Constraint):
    """One activation name, or one per hidden layer; returned unchanged.

    Needs ``hidden_layer_sizes`` checked first (the number of hidden layers).
    """

    def check(self, value: Any, name: str, func: str, checked: Mapping[str, Any]) -> Any:
        names = [value] if isinstance(value, str) else value
        n_hidden = len(checked["hidden_layer_sizes"])
        # Only a real sequence has a length to compare; anything else is
        # iterated below, and fails there if it cannot be.
        if not isinstance(value, str) and isinstance(names, Sequence) \
                and len(names) != n_hidden:
            raise ValueError(f"{func}: {name} must be one name or one per hidden layer "
                             f"({n_hidden}), got {len(names)}: {list(names)}")
        for one in names:
            get_activation(one, func=func)
        return value


class BatchSize(Constraint):
    """None (full batch), ``"auto"`` (scikit-learn's ``min(200, n_samples)``) or an int > 0."""

    missing: Any = None

    def check(self, value: Any, name: str, func: str, checked: Mapping[str, Any]) -> Any:
        if value is None or (isinstance(value, str) and value == "auto"):
            return value
        if isinstance(value, str):
            raise ValueError(f"{func}: {name} must be an integer > 0, 'auto' or None, "
                             f"got {value!r}")
        return check_positive_int(value, name, func=func)


_SOLVERS = ("gd", "momentum", "nesterov", "adam")

#: Parameter name -> constraint, in the order ``fit`` checks them.
PARAMETERS: dict[str, Constraint] = {
    "hidden_layer_sizes": HiddenLayerSizes(),
    "activation": Activations(),
    "learning_rate_schedule": Options(
        ("constant", "plateau", *SCHEDULES),
        f"'constant', {', '.join(map(repr, SCHEDULES))} or 'plateau'"),
    "init": Options(INITIALIZERS, f"one of {', '.join(map(repr, INITIALIZERS))}",
                    accept=callable),
    "device": Options(("cpu", "gpu"), "'cpu' or 'gpu'", "{name} must be {expected}, got "
                      "{value!r}", missing="cpu"),
    "learning_rate": Real(),
    "alpha": Real(allow_zero=True),
    "clip_norm": Real(optional=True),
    "solver": Options(_SOLVERS, "'gd', 'momentum', 'nesterov' or 'adam'"),
    "batch_size": BatchSize(),
    "patience": Integer(unbounded=True),
    "dropout": Real(allow_zero=True, below=1.0),
    "min_delta": Real(allow_zero=True),
    "validation_fraction": Real(below=1.0),
    "max_iter": Integer(),
    "tol": Real(allow_zero=True, optional=True, missing=None),
    "n_iter_no_change": Integer(missing=10, unbounded=True),
    # The regressor's; a classifier (and a regressor pickled before it had
    # the parameter) starts its output bias at zero, the course's.
    "output_bias": Options(("mean", "zeros"), "'mean' or 'zeros'", missing="zeros"),
}

#: The classifier's ``loss``. Checked where the targets are encoded, not with
#: the table: only single-label targets use it (a multi-label ``y`` always
#: trains with the binary cross-entropy), so that is where it has always been
#: checked, after ``X`` and ``y``.
LOSS = Options(("auto", "binary_cross_entropy", "categorical_cross_entropy"),
               "'auto', 'binary_cross_entropy' or 'categorical_cross_entropy'")


def check_param(estimator: Any, name: str, constraint: Constraint,
                checked: Mapping[str, Any] | None = None) -> Any:
    """Check one parameter of ``estimator`` against ``constraint``.

    Parameters
    ----------
    estimator : estimator
        Read with ``getattr(estimator, name)``.
    name : str
        The parameter.
    constraint : Constraint
    checked : mapping, optional
        Values of parameters checked before (see :meth:`Constraint.check`).

    Returns
    -------
    object
        The value as ``fit`` uses it (a ``float``, an ``int``, a list of layer sizes...).
    """
    if constraint.missing is _REQUIRED:
        value = getattr(estimator, name)
    else:
        value = getattr(estimator, name, constraint.missing)
    return constraint.check(value, name, type(estimator).__name__, checked or {})


def validate_params(estimator: Any) -> dict[str, Any]:
    """Check every parameter of :data:`PARAMETERS`, in order; the first broken rule raises.

    Parameters
    ----------
    estimator : DNNClassifier or DNNRegressor

    Returns
    -------
    dict
        Parameter name -> checked value; ``hidden_layer_sizes`` as a list of
        ints, numbers as ``float``/``int``, the rest as given.

    Raises
    ------
    TypeError, ValueError
        With the messages of :mod:`deepstep._validation` and of the constraints.
    """
    checked: dict[str, Any] = {}
    for name, constraint in PARAMETERS.items():
        checked[name] = check_param(estimator, name, constraint, checked)
    return checked
