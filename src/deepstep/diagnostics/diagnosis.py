"""What :func:`deepstep.diagnose` returns: checks, each ok, warn or fail, with numbers, advice."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from math import isfinite
from typing import Any, overload

import numpy as np

__all__ = ["STATUSES", "Check", "Diagnosis"]

#: The statuses, best first.
STATUSES = ("ok", "warn", "fail")


@dataclass(frozen=True)
class Check:
    """One training-health check.

    Attributes
    ----------
    name : str
        What was checked ("initial loss", "feature scale", ...).
    status : {"ok", "warn", "fail"}
    finding : str
        One line, with its numbers.
    advice : str
        One line a learner fresh from the course can act on.
    details : dict
        The numbers behind the finding (plain floats, ints, strings and lists).
    """

    name: str
    status: str
    finding: str
    advice: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Check: status must be one of {STATUSES}, got {self.status!r}")

    def line(self) -> str:
        """``"FAIL constant predictor: finding -> advice"``: one line for a terminal."""
        return f"{self.status.upper()} {self.name}: {self.finding} -> {self.advice}"


class Diagnosis(Sequence[Check]):
    """The checks of one :func:`deepstep.diagnose` call, in the order they ran.

    A sequence of :class:`Check`; ``str()`` is a plain-text table.
    """

    def __init__(self, checks: Sequence[Check]) -> None:
        self._checks = list(checks)

    @overload
    def __getitem__(self, index: int) -> Check: ...
    @overload
    def __getitem__(self, index: slice) -> list[Check]: ...

    def __getitem__(self, index: Any) -> Any:
        return self._checks[index]

    def __len__(self) -> int:
        return len(self._checks)

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks)

    def __repr__(self) -> str:
        counts = {s: sum(c.status == s for c in self) for s in STATUSES}
        return f"Diagnosis({len(self)} checks: {counts['ok']} ok, {counts['warn']} warn, " \
               f"{counts['fail']} fail)"

    def get(self, name: str) -> Check:
        """The check called ``name``.

        Raises
        ------
        KeyError
            When no check has that name.
        """
        for check in self:
            if check.name == name:
                return check
        raise KeyError(f"Diagnosis: no check named {name!r}; there are "
                       f"{[c.name for c in self]}")

    def failing(self) -> list[Check]:
        """The checks whose status is not ok (warn or fail), worst first."""
        return sorted((c for c in self if c.status != "ok"),
                      key=lambda c: -STATUSES.index(c.status))

    def __str__(self) -> str:
        width = max([len(c.name) for c in self] + [5])
        rows = [f"{'status':<6}  {'check':<{width}}  finding / advice"]
        for c in self:
            rows.append(f"{c.status.upper():<6}  {c.name:<{width}}  {c.finding}")
            rows.append(f"{'':<6}  {'':<{width}}  -> {c.advice}")
        return "\n".join(rows)

    def to_dict(self) -> dict[str, Any]:
        """``{"checks": [{"name", "status", "finding", "advice", "details"}, ...]}``, JSON-ready."""
        return {"checks": [{"name": c.name, "status": c.status, "finding": c.finding,
                            "advice": c.advice, "details": _plain(c.details)} for c in self]}


def _plain(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays as Python numbers and lists (NaN as None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, (np.integer, bool, np.bool_)):
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, (float, np.floating)):
        return float(value) if isfinite(value) else None
    return value
