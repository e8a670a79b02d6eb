"""The text of ``summary()``: a table of a fitted network's layers."""

from __future__ import annotations

from typing import Any

__all__ = ["format_summary"]


def format_summary(model: Any) -> str:
    """A table of the layers: units, activation, weight shapes, parameter counts.

    Parameters
    ----------
    model : DNNClassifier or DNNRegressor
        Fitted: ``layer_sizes_``, ``activations_``, ``parameters_`` and ``loss_function_``.

    Returns
    -------
    str
        The table (no final newline), headed by the class, loss and dtype and
        followed by the total number of parameters.
    """
    rows = [("layer", "units", "activation", "W shape", "b shape", "parameters")]
    rows.append(("0 (input)", str(model.layer_sizes_[0]), "", "", "", "0"))
    total = 0
    for l in range(1, len(model.layer_sizes_)):
        W, b = model.parameters_[f"W{l}"], model.parameters_[f"b{l}"]
        total += W.size + b.size
        rows.append((str(l), str(W.shape[0]), model.activations_[l - 1], str(W.shape),
                     str(b.shape), f"{W.size + b.size:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = "-" * (sum(widths) + 2 * (len(widths) - 1))
    out = [f"{type(model).__name__}: loss {model.loss_function_}, "
           f"dtype {model.parameters_['W1'].dtype}", line]
    for i, r in enumerate(rows):
        # Names left-aligned, shapes and counts right-aligned.
        out.append("  ".join(c.ljust(w) if j < 3 else c.rjust(w)
                             for j, (c, w) in enumerate(zip(r, widths, strict=True))))
        if i == 0:
            out.append(line)
    out += [line, f"total parameters: {total:,}"]
    return "\n".join(out)
