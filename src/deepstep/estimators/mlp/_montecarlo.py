"""Monte-Carlo dropout: the spread of an MLP's outputs over seeded passes with dropout on.

A model fitted with ``dropout`` > 0 predicts with every unit; here each
pass instead keeps every hidden unit with probability ``1 - dropout`` (the
training's inverted dropout, :func:`deepstep.propagation.forward`), and the
mean and standard deviation over the passes estimate the prediction and its
uncertainty (Gal and Ghahramani, 2016). The masks come from their own
generator, ``numpy.random.default_rng(random_state)``: no global state is
touched, and the same seed gives the same numbers.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.utils.validation import check_is_fitted, validate_data

from ...propagation import forward
from ._network import hidden_and_output

__all__ = ["mc_outputs"]


def _generator(random_state: Any, where: str) -> np.random.Generator:
    """The masks' generator: from None, an int, a Generator or a RandomState (one draw)."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(int(random_state.randint(0, 2**31 - 1)))
    if random_state is None or isinstance(random_state, (Integral, np.random.Generator)):
        return np.random.default_rng(random_state)
    raise TypeError(f"{where}: random_state must be None, an int, a numpy Generator or "
                    f"RandomState, got {type(random_state).__name__}")


def mc_outputs(est: Any, X: Any, n_passes: Any, random_state: Any,
               method: str) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Mean and standard deviation of the output layer over ``n_passes`` dropout passes.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        Fitted, with ``dropout`` > 0.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        A sparse X is never densified (its product with the first layer's weights is sparse).
    n_passes : int >= 1
    random_state : None, int, numpy Generator or RandomState
    method : str
        The public method's name, for errors.

    Returns
    -------
    mean, std : ndarray of shape (n_samples, n_outputs)
        In the weights' dtype; ``std`` with ``ddof=0`` (NumPy's ``std``).
    """
    where = f"{type(est).__name__}.{method}"
    check_is_fitted(est)
    if not est.dropout:
        raise ValueError(f"{where}: Monte-Carlo dropout needs a model fitted with dropout > 0, "
                         f"got dropout={est.dropout!r}")
    if isinstance(n_passes, bool) or not isinstance(n_passes, Integral) or n_passes < 1:
        raise ValueError(f"{where}: n_passes must be an int >= 1, got {n_passes!r}")
    rng = _generator(random_state, where)
    dtype = est.coefs_[0].dtype
    X = validate_data(est, X, accept_sparse=["csr", "csc"], reset=False,
                      dtype=(np.float64, np.float32))
    # A sparse X stays sparse: the first layer's product takes it as it is, and
    # every later layer is as wide as the network, not as X.
    X = X.tocsr().astype(dtype, copy=False) if sp.issparse(X) else X.astype(dtype, copy=False)
    weights = [(c.T, b.reshape(-1, 1)) for c, b in zip(est.coefs_, est.intercepts_, strict=True)]
    acts = hidden_and_output(est.activation, est.out_activation_, est.n_layers_)
    mean = np.zeros((est.n_outputs_, X.shape[0]), dtype=dtype)
    m2 = np.zeros_like(mean)
    X_t = X.T
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, int(n_passes) + 1):  # Welford's running mean and sum of squares
            out, _ = forward(X_t, weights, acts, dropout=float(est.dropout), rng=rng)
            step = out - mean
            mean += step / k
            m2 += step * (out - mean)
    return mean.T, np.sqrt(m2 / n_passes).T
