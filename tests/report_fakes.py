"""Test doubles of the diagnostics API, so that the rendering tests control every field.

``fake_view`` reads a fitted DNN*/MLP* the way the contract's ``ModelView``
presents it; ``fake_diagnose`` returns contract-shaped checks (one of them
named with markup, to test escaping); ``fake_statistics`` is a
``LayerStatistics``-shaped history. ``use_fakes(monkeypatch)`` points
``deepstep.report.adapter`` at them. Never imported by library code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

_SKLEARN_TO_DEEPSTEP = {"logistic": "sigmoid", "identity": "identity", "softmax": "softmax",
                        "relu": "relu", "tanh": "tanh"}


def fake_view(model):
    """A ModelView-shaped namespace of a fitted DNN*/MLP* (engine orientation)."""
    if hasattr(model, "parameters_"):  # DNN*
        L = len(model.layer_sizes_) - 1
        weights = [(np.asarray(model.parameters_[f"W{i}"]), np.asarray(model.parameters_[f"b{i}"]))
                   for i in range(1, L + 1)]
        activations = list(model.activations_)
        validation = list(getattr(model, "validation_losses_", []) or [])
    else:  # MLP*: scikit-learn's (n_in, n_out) orientation
        weights = [(W.T, b.reshape(-1, 1)) for W, b in zip(model.coefs_, model.intercepts_,
                                                           strict=True)]
        hidden = _SKLEARN_TO_DEEPSTEP[model.activation]
        activations = [hidden] * (len(weights) - 1) + [_SKLEARN_TO_DEEPSTEP[model.out_activation_]]
        validation = []
    sizes = [weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights]
    classes = getattr(model, "classes_", None)
    if classes is None:
        kind = "regression"
    elif getattr(model, "_multilabel", False) or np.ndim(classes) > 1:
        kind = "multilabel"
    else:
        kind = "binary" if len(classes) == 2 else "multiclass"
    return SimpleNamespace(
        layer_sizes=sizes, activations=activations, weights=weights, kind=kind,
        classes=None if classes is None else np.asarray(classes), predict=model.predict,
        predict_proba=getattr(model, "predict_proba", None),
        loss_curve=list(model.loss_curve_), validation_loss_curve=validation, model=model)


@dataclass(frozen=True)
class FakeCheck:
    name: str
    status: str
    finding: str
    advice: str
    details: dict = field(default_factory=dict)


MARKUP = "<script>alert(1)</script>"


def fake_diagnose(model, X, y, *, X_test=None, y_test=None, statistics=None):
    """Contract-shaped checks; records its call so a test can see what it was given."""
    fake_diagnose.calls.append(dict(X=X, y=y, X_test=X_test, y_test=y_test,
                                    statistics=statistics))
    return [FakeCheck("loss at initialisation", "ok", "0.69 against chance 0.69", "none"),
            FakeCheck("feature scale", "warn", "features up to 255", "divide by 255"),
            FakeCheck(MARKUP, "fail", f"finding {MARKUP}", f"advice {MARKUP}")]


fake_diagnose.calls = []


def fake_statistics(n_layers, epochs=5, rng=None):
    """A LayerStatistics-shaped object: ``.history``, one dict per (epoch, layer)."""
    rng = rng or np.random.default_rng(0)
    history = []
    for epoch in range(epochs):
        for layer in range(1, n_layers + 1):
            a = np.sort(rng.standard_normal(5))
            g = np.sort(rng.standard_normal(5)) * 1e-3
            history.append({"epoch": epoch, "layer": layer, "activation_quantiles": a.tolist(),
                            "dead_fraction": 0.0, "saturated_fraction": 0.0,
                            "gradient_norm": float(abs(g).sum()),
                            "gradient_quantiles": g.tolist(), "weight_norm": 1.0,
                            "update_ratio": float(10 ** rng.uniform(-4, -2))})
    return SimpleNamespace(history=history)


def use_fakes(monkeypatch):
    """Point deepstep.report.adapter at the test doubles (test_report_real.py runs the real API)."""
    from deepstep.report import adapter

    fake_diagnose.calls.clear()
    monkeypatch.setattr(adapter, "view", fake_view)
    monkeypatch.setattr(adapter, "diagnose", fake_diagnose)


def use_fake_recording(monkeypatch, n_layers):
    """Point adapter.recording at a context manager yielding fake statistics; returns its log."""
    import contextlib

    from deepstep.report import adapter

    log = []

    @contextlib.contextmanager
    def recording(every=1):
        stats = fake_statistics(n_layers)
        log.append(stats)
        yield stats

    monkeypatch.setattr(adapter, "recording", recording)
    return log
