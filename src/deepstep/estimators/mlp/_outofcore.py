"""MLPClassifier and MLPRegressor on out-of-core X: an h5py dataset or a Dask array.

The DNN classes' out-of-core path (``_BaseDNN._out_of_core_data``)
for the scikit-learn drop-ins, built from the same pieces: the options that
need the data in memory are refused up front
(:func:`~deepstep.estimators.placement.check_out_of_core_fit`), the rows are
read block by block through a :class:`~deepstep.outofcore.RowSource`
(:func:`~deepstep.estimators.placement.training_source`), and

* ``solver="sgd"`` / ``"adam"`` run :func:`._stochastic.stochastic_plan`
  unchanged: its Trainer cuts each block into mini-batches (with
  ``shuffle=True`` the blocks' order is drawn, then the rows' order inside
  each block, so the draws differ from an in-memory fit's; unshuffled, the
  batches are the in-memory ones whenever a block holds whole batches);
* ``solver="lbfgs"`` runs :func:`deepstep.training.lbfgs.minimize_lbfgs` on a
  cost whose gradient is summed over the blocks (on the workers of a running
  ``dask.distributed`` cluster for a Dask array), L2 added once to the sum.

What does not depend on where X lives is scikit-learn's, as in memory:
``y`` is validated (and the classifier's label binarizer fitted) by the
estimator's own ``_validate_input``, ``n_features_in_`` is set there, the
initial weights are drawn first from the same random state.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import config_context
from sklearn.base import is_regressor
from sklearn.utils import assert_all_finite, check_random_state

from ...network import Gradient, Network
from ...outofcore import RowSource
from .. import placement, plan
from ..core import FitData
from ..prediction import remote_forward
from ._network import hidden_and_output

__all__ = ["block_summed", "forward_out_of_core", "out_of_core_data"]

STOCHASTIC = ("sgd", "adam")
#: MLPRegressor's losses the blocked gradient (which names its loss) does not know.
ROBUST_LOSSES = ("absolute_error", "huber", "quantile")


class _Rows:
    """A RowSource seen as the (n_samples, n_features) rows ``stochastic_plan`` takes.

    ``stochastic_plan`` reads ``X.shape[0]`` (the examples) and hands ``X.T``
    (examples as columns) to the Trainer, which takes a RowSource there.
    """

    def __init__(self, source: RowSource) -> None:
        self.T = source
        self.shape = source.shape[::-1]


class _BlockSummedNetwork:
    """The cost and gradient ``minimize_lbfgs`` asks a network for, summed over blocks.

    ``loss_and_gradient(source, Y)`` is :class:`deepstep.network.Network`'s
    with X a RowSource: every block's share without L2 (with the whole data
    set's 1/m), added up in block order, then L2 once on the sum (as the
    DNN's full-batch :class:`~deepstep.training.strategies.source.SourceStep`
    does). The in-memory gradient, summed in another order.
    """

    def __init__(self, net: Network) -> None:
        self.net = net
        self.weights = net.weights

    def loss_and_gradient(self, X: RowSource, Y: Any, sample_weight: None = None,
                          **_: Any) -> tuple[float, Gradient]:
        """Full-batch cost (with L2) and gradient of the network on the source's rows.

        Parameters
        ----------
        X : RowSource of shape (n_features, n_samples)
        Y : ndarray of shape (n_outputs, n_samples)
        sample_weight : None
            Refused out of core before training starts.

        Returns
        -------
        cost : float
        grad : Gradient
        """
        return X.loss_and_gradient(self.net, Y)


def _targets(est: Any, X: Any, y: Any, dtype: Any, reset: bool) -> Any:
    """``y`` validated by the estimator's own ``_validate_input``, without reading X.

    X is stood in for by a read-only broadcast of one zero to X's shape (no
    memory, no reading): scikit-learn checks y against its length, sets
    ``n_features_in_`` from its width and fits the classifier's labels
    exactly as it does in memory. X's values are checked block by block
    later; ``assume_finite`` only spares the stand-in that pass, so y is
    checked for NaN here.
    """
    y = placement.out_of_core_targets(type(est).__name__, X, y, real=is_regressor(est))
    stand_in = np.broadcast_to(np.zeros((1, 1), dtype=dtype), tuple(X.shape))
    with config_context(assume_finite=True):
        _, y = est._validate_input(stand_in, y, False, reset=reset)
    if y.dtype.kind in "fc":
        assert_all_finite(y, input_name="y")
    return y


def block_summed(net: Network) -> _BlockSummedNetwork:
    """``net`` whose loss and gradient are summed over a RowSource's blocks (for L-BFGS).

    Parameters
    ----------
    net : Network

    Returns
    -------
    object with ``weights`` and ``loss_and_gradient(source, Y)``
    """
    return _BlockSummedNetwork(net)


def out_of_core_data(est: Any, X: Any, y: Any, sample_weight: Any, incremental: bool) -> FitData:
    """The MLP's training data on an h5py dataset or a Dask array: read in blocks, never whole.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
    X : h5py.Dataset or dask.array.Array of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        In memory (one value per row).
    sample_weight : None
        Anything else is refused (per-example weights need the data in memory).
    incremental : bool
        ``partial_fit``: refused.

    Returns
    -------
    FitData
        The rows as a block reader (``X.T`` is the RowSource the Trainer and
        L-BFGS read), the targets of shape (n_samples, n_outputs).

    Raises
    ------
    ValueError
        Naming the option, for ``partial_fit``, ``sample_weight`` and
        ``early_stopping`` (a held-out split of the rows).
    """
    dtype = placement.check_out_of_core_fit(type(est).__name__, X, {
        "partial_fit": incremental, "sample_weight": sample_weight is not None,
        "class_weight": getattr(est, "class_weight", None) is not None,
        "dropout": bool(est.dropout),
        f"loss={getattr(est, 'loss', '')!r}": getattr(est, "loss", None) in ROBUST_LOSSES,
        "early_stopping": bool(est.early_stopping)})
    hidden = est._hidden_sizes()
    first_pass = not hasattr(est, "coefs_") or not est.warm_start
    y = _targets(est, X, y, dtype, reset=first_pass)
    if y.ndim == 1:
        y = y.reshape((-1, 1))
    est.n_outputs_ = y.shape[1]
    est._random_state = check_random_state(est.random_state)
    if first_pass:  # the initial weights: the first draws, as in memory
        est._initialize([X.shape[1], *hidden, est.n_outputs_], dtype)
    Y = y.astype(dtype)
    # Full batch (lbfgs) on a Dask array with a running cluster sums on the workers.
    source = placement.training_source(X, np.ascontiguousarray(Y.T), dtype,
                                       plan.batch_size(est.batch_size, X.shape[0])
                                       if est.solver in STOCHASTIC else None)
    return FitData(_Rows(source), Y, None, incremental, out_of_core=True)


def forward_out_of_core(est: Any, X: Any, forward: Any) -> Any:
    """The output layer's activations for out-of-core X, one block of rows at a time.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        Fitted.
    X : h5py.Dataset or dask.array.Array of shape (n_samples, n_features)
        Checked for its width and, block by block, for finite values.
    forward : callable (rows, check_input=False) -> ndarray
        The estimator's in-memory forward pass (``_forward_pass_fast``),
        run on each block in the model's dtype.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    dtype = est.coefs_[0].dtype
    weights = [(np.ascontiguousarray(c.T), b.reshape(-1, 1))
               for c, b in zip(est.coefs_, est.intercepts_, strict=True)]
    remote = remote_forward(weights, hidden_and_output(est.activation, est.out_activation_,
                                                       est.n_layers_),
                            [est.n_features_in_, *(len(b) for b in est.intercepts_)], dtype)
    return placement.outputs_out_of_core(type(est).__name__, X, est.n_features_in_,
                                         est.n_outputs_, dtype,
                                         lambda rows: forward(rows, check_input=False), remote)
