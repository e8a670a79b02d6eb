"""Training callbacks, Keras-style: one concept per module, the public Trainer API only."""

from __future__ import annotations

from .backup import BackupAndRestore
from .base import Callback, Logs
from .divergence import DivergenceWarning, TerminateOnNaN, TerminateOnRisingCost
from .early_stopping import EarlyStopping
from .history import History
from .progress import CostPrinter, ProgressBar
from .schedules import LearningRateScheduler, ReduceLROnPlateau
from .stopping import NoImprovementStopping

__all__ = [
    "BackupAndRestore",
    "Callback",
    "CostPrinter",
    "DivergenceWarning",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "Logs",
    "NoImprovementStopping",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "TerminateOnRisingCost",
]
