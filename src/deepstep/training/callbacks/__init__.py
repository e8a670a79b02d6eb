"""Training callbacks, Keras-style: one concept per module, the public Trainer API only."""

from __future__ import annotations

from .backup import BackupAndRestore
from .base import Callback, Logs
from .divergence import DivergenceWarning, TerminateOnNaN, TerminateOnRisingCost
from .early_stopping import EarlyStopping
from .history import History
from .monitor import Monitor
from .progress import CostPrinter, IterationPrinter, ProgressBar
from .schedules import (
    SCHEDULES,
    ExponentialDecay,
    InverseScaling,
    InverseTimeDecay,
    LearningRateScheduler,
    ReduceLROnPlateau,
    SampleScheduler,
    StepDecay,
    divide_on_plateau,
)
from .statistics import LayerStatistics, recording
from .stopping import NoImprovementStopping

__all__ = [
    "SCHEDULES",
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
    "Logs",
    "Monitor",
    "NoImprovementStopping",
    "ProgressBar",
    "ReduceLROnPlateau",
    "SampleScheduler",
    "StepDecay",
    "TerminateOnNaN",
    "TerminateOnRisingCost",
    "divide_on_plateau",
    "recording",
]
