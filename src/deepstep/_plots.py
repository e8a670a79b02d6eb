"""Figures drawn with matplotlib: the cost curve and grids of (mislabelled) images.

Shared by the command line (which draws off screen, with the Agg backend,
and writes PNG files) and :func:`deepstep.steps.print_mislabeled_images`
(which draws with the user's backend, inline in a notebook). matplotlib is
imported on first use only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["image_grid", "plot_costs", "plot_mislabelled"]


def _agg_pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_costs(costs: Sequence[float], path: Path, title: str) -> None:
    """Write the cost curve (cost against iteration) to the image file ``path``."""
    plt = _agg_pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(np.arange(len(costs)), costs)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def image_grid(plt: Any, images: Sequence[np.ndarray], titles: Sequence[str], *,
               cols: int = 8, empty: str = "no mislabelled images") -> Any:
    """A new figure with one titled image per cell, ``cols`` per row.

    Parameters
    ----------
    plt : module
        ``matplotlib.pyplot``, with the backend the caller chose.
    images : sequence of ndarray of shape (height, width, channels)
        Values in [0, 1] or uint8; one channel is drawn in gray.
    titles : sequence of str
        One per image.
    cols : int, default=8
    empty : str
        Written in the figure when there is no image.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cols = max(1, min(cols, len(images)))
    rows = max(1, -(-len(images) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2 * cols, 2.3 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, title in zip(axes.ravel(), images, titles, strict=False):
        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray",
                  interpolation="nearest")
        ax.set_title(title, fontsize=8)
    if not len(images):
        axes[0, 0].text(0.5, 0.5, empty, ha="center", va="center")
    fig.tight_layout()
    return fig


def plot_mislabelled(images: np.ndarray, labels: np.ndarray, pred: np.ndarray,
                     wrong: np.ndarray, names: list[str], path: Path) -> None:
    """Write the first 40 mislabelled ``images[wrong]`` with their classes to ``path``."""
    plt = _agg_pyplot()
    shown = wrong[:40]
    fig = image_grid(plt, [images[i] for i in shown],
                     [f"pred: {names[int(pred[i])]}\ntrue: {names[int(labels[i])]}"
                      for i in shown])
    fig.savefig(path, dpi=100)
    plt.close(fig)
