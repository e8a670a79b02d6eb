"""Checks of the fitted network itself: its units, its gradients, its updates, its backprop.

The gradients come from :meth:`deepstep.network.Network.loss_and_gradient`
(the training chain itself), the unit statistics from
:func:`deepstep.training.callbacks.statistics.unit_health` (what
:class:`~deepstep.training.LayerStatistics` records), the gradient check
from :func:`deepstep.gradient_check.gradcheck_details`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..gradient_check import gradcheck_details
from ..propagation import forward
from ..training.callbacks.statistics import LayerStatistics, unit_health
from .diagnosis import Check
from .view import ModelView

__all__ = ["gradient_check", "gradient_flow", "units", "update_ratio"]

#: Solvers whose step is about ``learning_rate`` per parameter, whatever the gradient.
_ADAPTIVE = ("adam",)


def units(v: ModelView, X: np.ndarray) -> Check:
    """Dead (ReLU never active) and saturated (sigmoid/tanh flat) units per hidden layer."""
    name = "dead and saturated units"
    with np.errstate(all="ignore"):
        _, caches = forward(X, v.weights, v.network().activations)
    rows = []
    for l, act in enumerate(v.activations[:-1], start=1):
        Z, A = caches[l - 1][1], caches[l][0][0]
        dead, saturated = unit_health(Z, A, act)
        rows.append({"layer": l, "activation": act, "units": int(Z.shape[0]),
                     "dead_fraction": dead, "saturated_fraction": saturated})
    details = {"layers": rows, "examples": int(X.shape[1])}
    if not rows:
        return Check(name, "ok", "no hidden layer", "nothing to do", details)
    worst = max(rows, key=lambda r: max(r["dead_fraction"], r["saturated_fraction"]))
    bad = max(worst["dead_fraction"], worst["saturated_fraction"])
    what = "dead" if worst["dead_fraction"] >= worst["saturated_fraction"] else "saturated"
    finding = "; ".join(f"layer {r['layer']}: {r['dead_fraction']:.0%} dead, "
                        f"{r['saturated_fraction']:.0%} saturated of {r['units']}"
                        for r in rows)
    advice = ("dead ReLUs never fire again: lower the learning rate, use 'he' "
              "initialisation or leaky_relu" if what == "dead" else
              "saturated units barely learn: scale the inputs, use smaller initial "
              "weights, or relu")
    if bad >= 0.5:
        return Check(name, "fail", finding, advice, details)
    if bad >= 0.1:
        return Check(name, "warn", finding, advice, details)
    return Check(name, "ok", finding, "the hidden units are alive and responsive", details)


def gradient_flow(v: ModelView, X: np.ndarray, Y: np.ndarray) -> Check:
    """Per-layer norms of the cost's gradient (without L2) at the fitted weights.

    Vanishing (the first layer's under 1e-3 of the last's), exploding (over
    1e3 times), non-finite, or exactly zero for a layer (dead units).
    """
    name = "gradient flow"
    net = v.network()
    with np.errstate(all="ignore"):  # the data's gradient: L2's would hide a dead layer's 0
        cost, grad = net.loss_and_gradient(X, Y, check_finite=False, penalty=False)
    norms = [float(np.linalg.norm(dW)) for dW, _ in grad.pairs]
    relative = [g / max(float(np.linalg.norm(W)), 1e-300) for g, (W, _) in
                zip(norms, v.weights, strict=True)]
    details = {"gradient_norms": norms, "relative_to_weights": relative,
               "cost": float(cost)}
    finding = "||dW|| per layer: " + ", ".join(f"{g:.2e}" for g in norms)
    if not all(np.isfinite(norms)):
        return Check(name, "fail", finding, "the gradients overflow: lower the learning "
                     "rate and scale the inputs", details)
    if max(norms) == 0:
        return Check(name, "ok", finding + " (a minimum, or nothing left to learn)",
                     "nothing to do", details)
    zero = [l for l, g in enumerate(norms, start=1) if g == 0]
    if zero:
        return Check(name, "fail", finding + f"; layer(s) {zero} get no gradient at all",
                     "those layers cannot learn (dead units): lower the learning rate, use "
                     "'he' initialisation or leaky_relu", details)
    ratio = norms[0] / norms[-1]
    details["first_to_last"] = ratio
    if ratio < 1e-3:
        return Check(name, "warn", finding + f"; the first layer's is {ratio:.1e} of the "
                     "last's (vanishing)", "the early layers learn slowly: use relu and "
                     "'he' initialisation, or fewer layers", details)
    if ratio > 1e3:
        return Check(name, "warn", finding + f"; the first layer's is {ratio:.1e} times the "
                     "last's (exploding)", "use smaller initial weights ('glorot'/'he') or "
                     "gradient clipping (clip_norm)", details)
    return Check(name, "ok", finding, "the gradient reaches every layer", details)


def _learning_rate(model: Any) -> tuple[float | None, str]:
    params = model.get_params()
    lr = params.get("learning_rate_init", params.get("learning_rate"))
    return (float(lr) if isinstance(lr, (int, float)) else None), str(params.get("solver"))


def update_ratio(v: ModelView, X: np.ndarray, Y: np.ndarray, statistics: Any) -> Check:
    """``||update|| / ||W||`` per layer: about 1e-3 is healthy (CS231n)."""
    name = "update-to-weight ratio"
    history = statistics.history if isinstance(statistics, LayerStatistics) else statistics
    if history:
        ratios, source = _recorded_ratios(history, len(v.weights)), "recorded during training"
    else:
        lr, solver = _learning_rate(v.model)
        if solver == "lbfgs":
            return Check(name, "ok", "L-BFGS chooses its own step sizes", "nothing to do",
                         {"solver": solver})
        if lr is None:
            return Check(name, "ok", f"no learning rate to estimate it with (solver "
                         f"{solver})", "record it with deepstep.recording()", {})
        net = v.network()
        with np.errstate(all="ignore"):
            _, grad = net.loss_and_gradient(X, Y, check_finite=False)
        ratios = []
        for (W, _), (dW, _) in zip(v.weights, grad.pairs, strict=True):
            step = lr * np.sqrt(W.size) if solver in _ADAPTIVE else lr * np.linalg.norm(dW)
            ratios.append(float(step / max(float(np.linalg.norm(W)), 1e-300)))
        source = f"estimated from one {solver} step at the fitted weights"
    details = {"ratios": ratios, "source": source}
    finding = "per layer " + ", ".join(f"{r:.1e}" for r in ratios) + f" ({source})"
    top = max(ratios) if ratios else 0.0
    if not np.isfinite(top) or top > 0.1:
        return Check(name, "fail", finding, "each step changes the weights by over 10%: "
                     "lower the learning rate", details)
    if top > 1e-2:
        return Check(name, "warn", finding, "the steps are large (healthy is about 1e-3): "
                     "try a smaller learning rate", details)
    if history and top < 1e-5:
        return Check(name, "warn", finding, "the weights hardly change (healthy is about "
                     "1e-3): try a larger learning rate", details)
    return Check(name, "ok", finding, "the steps are of a healthy size (about 1e-3 or less)",
                 details)


def _recorded_ratios(history: list[dict[str, Any]], L: int) -> list[float]:
    """Per layer, the median of the update ratios recorded (NaN-free)."""
    out = []
    for l in range(1, L + 1):
        values = [row["update_ratio"] for row in history if row.get("layer") == l
                  and np.isfinite(row.get("update_ratio", np.nan))]
        out.append(float(np.median(values)) if values else float("nan"))
    return [r for r in out if np.isfinite(r)]


def gradient_check(v: ModelView, X: np.ndarray, Y: np.ndarray, *, examples: int = 8,
                   max_parameters: int = 50, epsilon: float = 1e-6) -> Check:
    """Backpropagation against finite differences at the fitted weights, off ReLU's kinks."""
    name = "gradient check"
    m = X.shape[1]
    idx = np.unique(np.linspace(0, m - 1, min(examples, m)).round().astype(np.intp))
    params = {}
    for l, (W, b) in enumerate(v.weights, start=1):
        params[f"W{l}"], params[f"b{l}"] = W, b
    with np.errstate(all="ignore"):
        result = gradcheck_details(params, np.asfortranarray(X[:, idx]), Y[:, idx],
                                   v.activations, epsilon,
                                   v.loss.name, v.alpha, max_parameters=max_parameters)
    details = {"error": result.error, "kinks": {str(k): n for k, n in result.kinks.items()},
               "error_away": result.error_away, "shift": result.shift,
               "examples": len(idx), "parameters_checked": min(max_parameters,
                                                               v.n_parameters)}
    finding = f"relative error {result.error:.2e} on {len(idx)} examples"
    error = result.error
    if result.n_kinks:
        layers = ", ".join(f"layer {k}: {n}" for k, n in result.kinks.items())
        finding += (f"; {result.n_kinks} pre-activations sit on ReLU's kink ({layers}), "
                    f"where the slope jumps; {result.error_away:.2e} with the biases moved "
                    f"{result.shift:g} off it")
        error = result.error_away
    if not np.isfinite(error) or error > 1e-3:
        return Check(name, "fail", finding, "backpropagation and the cost disagree: a bug in "
                     "the gradient (or overflow)", details)
    if error > 1e-5:
        return Check(name, "warn", finding, "borderline agreement: check again with float64 "
                     "and another epsilon", details)
    advice = ("backpropagation is right; the large first error came from the kink, not a bug"
              if result.n_kinks and result.error > 1e-5 else "backpropagation is right")
    return Check(name, "ok", finding, advice, details)
