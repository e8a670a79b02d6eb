"""Checks of the data and of what the model does with it: scale, balance, curve, predictions.

Each function takes what it needs (a :class:`~.view.ModelView`, the data in
the engine's orientation, X of shape (n_x, m) and Y of shape (n_y, m)) and
returns one :class:`~.diagnosis.Check`. The thresholds are rules of thumb
(A. Karpathy, "A Recipe for Training Neural Networks"; CS231n's notes on
babysitting the learning process), written where they are used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .diagnosis import Check
from .view import ModelView

__all__ = ["balance", "chance_loss", "constant_predictor", "cost_curve", "examples",
           "feature_scale", "initial_loss", "train_test_gap"]


def chance_loss(v: ModelView, Y: np.ndarray) -> float:
    """The loss of the best constant prediction: the targets' mean for every example.

    For one sigmoid output that is the class prior's entropy; for a softmax,
    the entropy of the class shares (log K when balanced); for squared error,
    the targets' variance (halved where the loss halves it).
    """
    AL = np.repeat(Y.mean(axis=1, keepdims=True), Y.shape[1], axis=1)
    if v.kind != "regression":
        AL = np.clip(AL, 1e-12, 1 - 1e-12)
    with np.errstate(all="ignore"):
        return float(v.loss.cost(AL.astype(Y.dtype), Y))


def initial_loss(v: ModelView, Y: np.ndarray, loss0: float | None, source: str) -> Check:
    """The loss at initialisation against the chance level."""
    name = "initial loss"
    chance = chance_loss(v, Y)
    extra = ""
    if v.kind == "multiclass" and v.activations[-1] == "softmax":
        extra = f", log K = {np.log(v.layer_sizes[-1]):.3f}"
    details = {"initial_loss": loss0, "chance_loss": chance, "source": source}
    if loss0 is None:
        return Check(name, "ok", f"no initial loss available (chance level {chance:.4g}"
                     f"{extra})", "nothing to do", details)
    finding = f"{loss0:.4g} at initialisation ({source}); chance level {chance:.4g}{extra}"
    if not np.isfinite(loss0) or loss0 > 3 * chance + 0.1:
        return Check(name, "fail", finding, "the first outputs are far too confident: start "
                     "with smaller weights (init='he'/'glorot') and scale the inputs", details)
    if loss0 > 1.5 * chance + 0.05:
        return Check(name, "warn", finding, "the first outputs are over-confident: check the "
                     "initial weights' scale and the inputs' scale", details)
    return Check(name, "ok", finding, "the network starts near chance, as it should", details)


def feature_scale(X: np.ndarray) -> Check:
    """Raw or unscaled inputs: values far from [-1, 1], or features on very different scales."""
    name = "feature scale"
    top = float(np.max(np.abs(X))) if X.size else 0.0
    std = X.std(axis=1)
    live = std[std > 0]
    spread = float(live.max() / live.min()) if live.size else 1.0
    details = {"max_abs": top, "std_ratio": spread, "mean": float(X.mean()),
               "std": float(X.std())}
    pixels = top > 1 and top <= 255 and float(X.min()) >= 0 and bool(
        np.all(X.ravel()[:10000] == np.round(X.ravel()[:10000])))
    finding = (f"inputs range up to {top:.4g} in absolute value; feature standard deviations "
               f"differ by a factor of {spread:.3g}")
    if pixels:
        return Check(name, "fail", f"inputs look like raw 0-255 pixels (max {top:.4g})",
                     "divide the pixels by 255 (as the course does) before training", details)
    if top > 100:
        return Check(name, "fail", finding, "standardise the features (subtract the mean, "
                     "divide by the standard deviation; sklearn's StandardScaler)", details)
    if top > 10 or spread > 100:
        return Check(name, "warn", finding, "scale the features to similar ranges "
                     "(StandardScaler) so one learning rate suits every weight", details)
    return Check(name, "ok", finding, "the inputs are on a sensible scale", details)


def _shares(v: ModelView, Y: np.ndarray) -> np.ndarray:
    """The share of each class (binary: of the positive class) in targets Y."""
    return Y.mean(axis=1)


def _class_names(v: ModelView) -> list[str]:
    if v.kind == "binary" and v.classes is not None:
        return [f"class {v.classes[-1]}"]
    return [f"class {c}" for c in (v.classes if v.classes is not None else [])]


def balance(v: ModelView, Y: np.ndarray, Y_test: np.ndarray | None) -> Check:
    """Class shares (or the target's mean) in the training data, and between train and test."""
    if v.kind == "regression":
        return _target_balance(Y, Y_test)
    name = "class balance"
    train = _shares(v, Y)
    names = _class_names(v)
    details: dict[str, Any] = {"classes": names, "train_shares": train.tolist()}
    if Y_test is None:
        shares = np.concatenate([train, 1 - train]) if v.kind == "binary" else train
        low = float(shares.min())
        finding = "train shares " + ", ".join(
            f"{n} {s:.0%}" for n, s in zip(names, train, strict=True))
        if low < 0.1:
            return Check(name, "warn", finding + f"; the rarest class is {low:.0%}",
                         "accuracy can look good by ignoring the rare class: look at the "
                         "confusion matrix, or weight the classes (class_weight)", details)
        return Check(name, "ok", finding, "the classes are reasonably balanced", details)
    test = _shares(v, Y_test)
    details["test_shares"] = test.tolist()
    gap = float(np.max(np.abs(train - test)))
    details["max_difference"] = gap
    finding = "; ".join(f"{n}: {a:.0%} of train, {b:.0%} of test"
                        for n, a, b in zip(names, train, test, strict=True))
    if gap > 0.2:
        return Check(name, "fail", finding, "the splits differ: a test score then says little "
                     "about new data; split the data again, stratified by class", details)
    if gap > 0.1:
        return Check(name, "warn", finding, "the splits differ somewhat: compare per-class "
                     "results, or split again, stratified by class", details)
    return Check(name, "ok", finding, "train and test have similar class shares", details)


def _target_balance(Y: np.ndarray, Y_test: np.ndarray | None) -> Check:
    name = "target balance"
    mean, std = Y.mean(axis=1), Y.std(axis=1)
    details: dict[str, Any] = {"train_mean": mean.tolist(), "train_std": std.tolist()}
    if Y_test is None:
        return Check(name, "ok", f"targets' mean {mean[0]:.4g}, standard deviation "
                     f"{std[0]:.4g}", "nothing to compare without test data", details)
    shift = float(np.max(np.abs(Y_test.mean(axis=1) - mean) / np.where(std > 0, std, 1)))
    details["shift_in_std"] = shift
    finding = (f"the test targets' mean differs from the training one by {shift:.2f} "
               "training standard deviations")
    if shift > 1:
        return Check(name, "fail", finding, "the splits differ: split the data again "
                     "at random", details)
    if shift > 0.25:
        return Check(name, "warn", finding, "the splits differ somewhat: check how the data "
                     "was split", details)
    return Check(name, "ok", finding, "train and test targets look alike", details)


def examples(v: ModelView, m: int) -> Check:
    """Training examples against the number of parameters."""
    name = "examples vs parameters"
    P = v.n_parameters
    ratio = P / max(m, 1)
    details = {"examples": m, "parameters": P, "ratio": ratio}
    finding = f"{m} training examples for {P} parameters ({ratio:.3g} per example)"
    if ratio > 10:
        return Check(name, "warn", finding, "the network can memorise the training set: "
                     "watch the train/test gap; more data, L2 (alpha), dropout or a smaller "
                     "network help", details)
    return Check(name, "ok", finding, "enough examples for this network's size", details)


def cost_curve(curve: list[float]) -> Check:
    """The training cost over epochs: diverging, oscillating, flat, or still falling at the end."""
    name = "cost curve"
    c = np.asarray(curve, dtype=np.float64)
    n = c.size
    details: dict[str, Any] = {"epochs": n}
    if n < 2:
        return Check(name, "ok", f"{n} epoch(s) recorded: too short to judge",
                     "nothing to do", details)
    if not np.all(np.isfinite(c)):
        where = int(np.argmax(~np.isfinite(c)))
        details["non_finite_at"] = where
        return Check(name, "fail", f"the cost became {c[where]} at epoch {where}",
                     "training diverged: lower the learning rate (by 10x) and scale the "
                     "inputs", details)
    first, last, low = float(c[0]), float(c[-1]), float(c.min())
    steps = np.diff(c)
    ups = float(np.mean(steps > 0.01 * np.abs(c[:-1])))  # rises of over 1%
    k = max(1, n // 10)
    tail = float((c[-k - 1] - last) / max(abs(last), 1e-12))
    details.update(first=first, last=last, lowest=low, rising_share=ups, tail_drop=tail)
    base = f"cost {first:.4g} -> {last:.4g} over {n} epochs"
    if last > first * 1.01 or (last - low) > 0.5 * (first - low) > 0:
        return Check(name, "fail", base + f" (lowest {low:.4g}): it is going up",
                     "the steps overshoot: lower the learning rate (by 3-10x)", details)
    if ups > 0.25:
        return Check(name, "warn", base + f"; it rises in {ups:.0%} of the epochs",
                     "the cost oscillates: lower the learning rate or use larger "
                     "mini-batches", details)
    if first - last < 0.01 * abs(first):
        return Check(name, "warn", base + ": it barely moved",
                     "the network is not learning: raise the learning rate, check the "
                     "inputs' scale and the initialisation", details)
    if tail > 0.01:
        return Check(name, "warn", base + f"; still falling {tail:.1%} over the last "
                     f"{k} epochs", "train longer (more iterations), or raise the learning "
                     "rate a little", details)
    return Check(name, "ok", base + ", settled", "the cost fell and levelled off", details)


def constant_predictor(v: ModelView, pred: Any, Y: np.ndarray, y: Any) -> Check:
    """Whether the model gives (almost) every example the same answer."""
    name = "constant predictor"
    pred = np.asarray(pred)
    m = len(pred)
    if v.kind == "regression":
        spread = float(np.std(pred.reshape(m, -1), axis=0).max())
        target = float(Y.std(axis=1).max())
        details = {"prediction_std": spread, "target_std": target}
        finding = f"predictions' standard deviation {spread:.3g}, the targets' {target:.3g}"
        if target > 0 and spread < 0.01 * target:
            return Check(name, "fail", finding, "the network predicts about one value for "
                         "everything: it learnt only the mean; check the learning rate, the "
                         "inputs' scale and dead units", details)
        return Check(name, "ok", finding, "the predictions vary with the inputs", details)
    rows = pred.reshape(m, -1)
    values, counts = np.unique(rows, axis=0, return_counts=True)
    top = int(np.argmax(counts))
    share = float(counts[top] / m)
    truth = np.asarray(y).reshape(m, -1)
    _, true_counts = np.unique(truth, axis=0, return_counts=True)
    true_share = float(true_counts.max() / m)
    label = values[top][0] if values.shape[1] == 1 else values[top].tolist()
    details = {"answer": str(label), "share": share, "majority_share": true_share}
    finding = (f"predicts {label!s} for {share:.0%} of the {m} training examples "
               f"(the most common label is {true_share:.0%} of them)")
    if share >= 0.99 and true_share < 0.99:
        return Check(name, "fail", finding, "the network answers the same whatever the "
                     "input: lower the learning rate, check the inputs' scale and dead "
                     "units", details)
    return Check(name, "ok", finding, "the answers vary with the inputs", details)


def train_test_gap(model: Any, X: Any, y: Any, X_test: Any, y_test: Any,
                   kind: str) -> Check:
    """The score on the training data against the score on the test data."""
    name = "train/test gap"
    metric = "R^2" if kind == "regression" else "accuracy"
    if X_test is None:
        return Check(name, "ok", "no test data given", "pass X_test and y_test to compare",
                     {"metric": metric})
    train, test = float(model.score(X, y)), float(model.score(X_test, y_test))
    gap = train - test
    details = {"metric": metric, "train": train, "test": test, "gap": gap}
    finding = f"{metric} {train:.4g} on train, {test:.4g} on test (gap {gap:.3g})"
    poor = kind != "regression" and train < 0.9
    if gap > 0.1 and poor:
        return Check(name, "fail" if gap > 0.25 else "warn", finding, "the training score "
                     "itself is low: fix the failing checks above first (the class balance "
                     "between the splits, a constant predictor)", details)
    if gap > 0.25:
        return Check(name, "fail", finding, "the network memorised the training data "
                     "(overfitting): more data, L2 (alpha), dropout or early stopping",
                     details)
    if gap > 0.1:
        return Check(name, "warn", finding, "some overfitting: try L2 (alpha), dropout or "
                     "early stopping, and compare", details)
    return Check(name, "ok", finding, "train and test scores agree", details)
