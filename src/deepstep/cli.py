"""The ``deepstep`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from . import __version__

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    """Train a small network with the course's step functions, printing each step's output."""
    from . import steps
    from .gradient_check import gradcheck

    rng = np.random.RandomState(args.seed)
    m = 200
    X = rng.standard_normal((2, m))
    Y = (X[0:1] * X[1:2] > 0).astype(np.float64)  # XOR-like quadrants: needs a hidden layer
    layer_dims = [2, 8, 4, 1]
    print(f"data: X {X.shape}, Y {Y.shape} (label 1 where x1 * x2 > 0)")
    print(f"layers: {layer_dims}  [LINEAR->RELU] x {len(layer_dims) - 2} -> LINEAR->SIGMOID")
    parameters = steps.initialize_parameters_deep(layer_dims, rng, init="lecun")
    error = gradcheck(parameters, X[:, :20], Y[:, :20])
    print(f"gradient check (relative error of backprop, float64): {error:.2e}")
    for i in range(args.iterations + 1):
        AL, caches = steps.L_model_forward(X, parameters)
        cost = steps.compute_cost(AL, Y)
        if i % max(1, args.iterations // 10) == 0:
            print(f"cost after iteration {i:5d}: {cost:.6f}")
        if i == args.iterations:
            break
        grads = steps.L_model_backward(AL, Y, caches)
        parameters = steps.update_parameters(parameters, grads, args.learning_rate)
    accuracy = float(np.mean((AL > 0.5) == Y))
    print(f"training accuracy: {accuracy:.3f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``deepstep`` command."""
    parser = argparse.ArgumentParser(
        prog="deepstep",
        description="Deep neural networks as taught step by step, in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"deepstep {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="train a small network with the step-by-step API",
        description="Train a 4-layer network on a generated XOR-like problem using only the "
        "course's step functions, printing the cost as it falls.",
    )
    demo.add_argument("--iterations", type=int, default=2000, help="gradient steps (default 2000)")
    demo.add_argument("--learning-rate", type=float, default=0.3, help="step size (default 0.3)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deepstep`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return int(args.handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
