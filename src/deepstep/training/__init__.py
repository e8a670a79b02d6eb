"""Training: a small loop (:class:`Trainer`) over step strategies, and its callbacks.

======================  ======================================================
:mod:`.trainer`          the loop: epochs, batches, callbacks
:mod:`.strategies`       how one step is taken (plain, folded, Gram, out-of-core)
:mod:`.batching`         shuffled mini-batches in one reused buffer
:mod:`.guard`            the last finite parameters, to fall back on
:mod:`.state`            checkpoint state for resuming bit for bit
:mod:`.evaluation`       per-epoch metrics and validation loss
:mod:`.lbfgs`            full-batch L-BFGS-B (scipy) on the engine's cost and gradient
:mod:`.callbacks`        History, CostPrinter, ProgressBar, EarlyStopping, LayerStatistics, ...
======================  ======================================================
"""

from __future__ import annotations

from .callbacks import (
    BackupAndRestore,
    Callback,
    CostPrinter,
    DivergenceWarning,
    EarlyStopping,
    ExponentialDecay,
    History,
    InverseScaling,
    InverseTimeDecay,
    IterationPrinter,
    LayerStatistics,
    LearningRateScheduler,
    Monitor,
    NoImprovementStopping,
    ProgressBar,
    ReduceLROnPlateau,
    SampleScheduler,
    StepDecay,
    TerminateOnNaN,
    TerminateOnRisingCost,
    recording,
)
from .trainer import Trainer

__all__ = [
    "BackupAndRestore",
    "Callback",
    "CostPrinter",
    "DivergenceWarning",
    "EarlyStopping",
    "ExponentialDecay",
    "History",
    "InverseScaling",
    "InverseTimeDecay",
    "IterationPrinter",
    "LayerStatistics",
    "LearningRateScheduler",
    "Monitor",
    "NoImprovementStopping",
    "ProgressBar",
    "ReduceLROnPlateau",
    "SampleScheduler",
    "StepDecay",
    "TerminateOnNaN",
    "TerminateOnRisingCost",
    "Trainer",
    "recording",
]
