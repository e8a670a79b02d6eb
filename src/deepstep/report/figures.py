"""The report's figures, each drawn with matplotlib's Agg canvas and returned as PNG bytes.

No pyplot: every figure is a :class:`matplotlib.figure.Figure` of its own, so
drawing leaves matplotlib's global state (the current figure, the backend)
as it was. Figures are small and drawn at a modest dpi: the whole report of
the course's cat model must take well under 3 s.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "confusion_figure",
    "cost_figure",
    "decision_boundary_figure",
    "image_grid_figure",
    "layer_statistics_figure",
    "network_figure",
    "weights_figure",
]

DPI = 80
QUANTILE_COLOR = "#3b6ea5"


def plain(text: str) -> str:
    """``text`` as matplotlib draws it literally: ``$`` would start mathtext (and may fail)."""
    return str(text).replace("$", r"\$")


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def network_figure(layer_sizes: Sequence[int], activations: Sequence[str]) -> bytes:
    """The network as boxes, one per layer, with its units, activation and weight shapes.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_x, n_1, ..., n_y]``.
    activations : sequence of str
        One per weight layer, the output's last.

    Returns
    -------
    bytes
        A PNG.
    """
    n = len(layer_sizes)
    fig = _figure(max(4.0, 1.6 * n), 2.2)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(-1.25, 1.15)
    ax.axis("off")
    biggest = np.log10(max(max(layer_sizes), 10))
    for i, size in enumerate(layer_sizes):
        half = 0.25 + 0.6 * np.log10(max(size, 1) + 1) / (biggest + 1)
        color = "#dde7f3" if i == 0 else ("#f6e2c6" if i == n - 1 else "#e3f0dc")
        ax.add_patch(_box(i - 0.3, -half, 0.6, 2 * half, color))
        title = "input" if i == 0 else ("output" if i == n - 1 else f"layer {i}")
        ax.text(i, half + 0.08, title, ha="center", va="bottom", fontsize=10)
        ax.text(i, 0.1, f"{size}", ha="center", va="center", fontsize=11, weight="bold")
        ax.text(i, -0.14, "units" if i else "features", ha="center", va="center", fontsize=8)
        if i:
            ax.text(i, -half - 0.08, activations[i - 1], ha="center", va="top", fontsize=10,
                    style="italic")
            ax.annotate("", xy=(i - 0.3, 0), xytext=(i - 0.7, 0),
                        arrowprops={"arrowstyle": "->", "color": "#555555"})
            ax.text(i - 0.5, -1.2, f"W{i} {size}x{layer_sizes[i - 1]}\nb{i} {size}x1",
                    ha="center", va="bottom", fontsize=9, color="#555555")
    return _png(fig)


def _box(x: float, y: float, width: float, height: float, color: str) -> Any:
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.02", facecolor=color,
                          edgecolor="#777777", linewidth=0.8)


def cost_figure(loss: Sequence[float], validation: Sequence[float]) -> bytes:
    """The training cost per iteration and, when there is one, the validation cost.

    Parameters
    ----------
    loss : sequence of float
        ``loss_curve``: the cost at every iteration (or epoch).
    validation : sequence of float
        The validation cost after every epoch; may be empty.

    Returns
    -------
    bytes
        A PNG.
    """
    fig = _figure(5.2, 3.0)
    ax = fig.add_subplot()
    for values, label, color in ((loss, "training", QUANTILE_COLOR),
                                 (validation, "validation", "#c0504d")):
        if len(values):
            y = np.asarray(values, dtype=float)
            # a diverged cost (inf, NaN) leaves a gap rather than breaking the axis
            ax.plot(np.arange(len(y)), np.where(np.isfinite(y), y, np.nan), label=label,
                    color=color)
    ax.set_xlabel("iteration (epoch)")
    ax.set_ylabel("cost")
    values = np.asarray([*loss, *validation], dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 100:
        ax.set_yscale("log")  # a cost falling over decades reads better on a log scale
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def layer_statistics_figure(history: Sequence[dict[str, Any]]) -> bytes:
    """Per-layer activation and gradient distributions over training, one panel per layer.

    Each panel shows the 5-95% band, the 25-75% band and the median of the
    quantiles recorded at each epoch (``LayerStatistics.history``); a third
    row shows the update-to-weight ratio per epoch against the 1e-3 rule of
    thumb.

    Parameters
    ----------
    history : sequence of dict
        ``{"epoch", "layer", "activation_quantiles", "gradient_quantiles",
        "update_ratio", ...}``, one per (recorded epoch, layer).

    Returns
    -------
    bytes
        A PNG.
    """
    layers = sorted({int(h["layer"]) for h in history})
    rows = [("activation_quantiles", "activations"), ("gradient_quantiles", "gradients")]
    fig = _figure(1.2 + 2.0 * len(layers), 5.4)
    axes = fig.subplots(3, len(layers), squeeze=False, sharex=True)
    for j, layer in enumerate(layers):
        records = sorted((h for h in history if int(h["layer"]) == layer),
                         key=lambda h: int(h["epoch"]))
        epochs = np.array([int(h["epoch"]) for h in records])
        for i, (key, label) in enumerate(rows):
            q = np.array([h[key] for h in records], dtype=float).reshape(len(records), 5)
            ax = axes[i, j]
            ax.fill_between(epochs, q[:, 0], q[:, 4], color=QUANTILE_COLOR, alpha=0.2,
                            linewidth=0)
            ax.fill_between(epochs, q[:, 1], q[:, 3], color=QUANTILE_COLOR, alpha=0.4,
                            linewidth=0)
            ax.plot(epochs, q[:, 2], color=QUANTILE_COLOR, linewidth=1)
            _few_ticks(ax)
            if j == 0:
                ax.set_ylabel(label, fontsize=8)
        axes[0, j].set_title(f"layer {layer}", fontsize=9)
        ratio = np.array([h["update_ratio"] for h in records], dtype=float)
        ax = axes[2, j]
        positive = np.isfinite(ratio) & (ratio > 0)
        if positive.any():
            ax.semilogy(epochs[positive], ratio[positive], color="#c0504d", linewidth=1)
        ax.axhline(1e-3, color="#777777", linestyle="--", linewidth=0.8)
        _few_ticks(ax)
        ax.set_xlabel("epoch", fontsize=7)
        if j == 0:
            ax.set_ylabel("update / weight", fontsize=8)
    # fixed margins: tight_layout on a dozen panels costs more than the rest of the report
    fig.subplots_adjust(left=0.9 / fig.get_figwidth(), right=0.98, bottom=0.08, top=0.94,
                        wspace=0.45, hspace=0.12)
    return _png(fig)


def _few_ticks(ax: Any) -> None:
    """Three major ticks a side and no minor ones: a small panel's ticks are most of its drawing."""
    from matplotlib.ticker import MaxNLocator, NullLocator

    ax.tick_params(labelsize=6)
    ax.xaxis.set_major_locator(MaxNLocator(3, integer=True))
    if ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(MaxNLocator(3))
    ax.yaxis.set_minor_locator(NullLocator())


def confusion_figure(matrices: Sequence[tuple[str, np.ndarray]],
                     names: Sequence[str]) -> bytes:
    """Confusion matrices (rows: true class, columns: predicted), one panel per split.

    Parameters
    ----------
    matrices : sequence of (str, ndarray of shape (n_classes, n_classes))
        A title (``"training"``, ``"test"``) and its counts.
    names : sequence of str
        The class names, in the matrices' order.

    Returns
    -------
    bytes
        A PNG.
    """
    k = len(names)
    side = min(2.2 + 0.35 * k, 6.0)
    fig = _figure(side * len(matrices), side)
    axes = fig.subplots(1, len(matrices), squeeze=False)[0]
    short = [plain(n if len(n) <= 12 else n[:11] + "\u2026") for n in names]
    for ax, (title, cm) in zip(axes, matrices, strict=True):
        ax.imshow(cm, cmap="Blues", vmin=0)
        ax.set_title(f"{title} ({int(cm.sum())} examples)", fontsize=9)
        ax.set_xticks(range(k), short, rotation=45 if k > 3 else 0, fontsize=7, ha="right"
                      if k > 3 else "center")
        ax.set_yticks(range(k), short, fontsize=7)
        ax.set_xlabel("predicted", fontsize=8)
        ax.set_ylabel("true", fontsize=8)
        if k <= 20:
            top = cm.max(initial=0)
            for (r, c), v in np.ndenumerate(cm):
                ax.text(c, r, str(int(v)), ha="center", va="center", fontsize=7,
                        color="white" if v > top / 2 else "black")
    fig.tight_layout()
    return _png(fig)


def _mosaic(tiles: np.ndarray, cols: int, pad: int = 2) -> np.ndarray:
    """Tiles (n, h, w, c) in [0, 1] as one (rows*(h+pad), cols*(w+pad), c) image on white."""
    n, h, w, c = tiles.shape
    rows = -(-n // cols)
    out = np.ones((rows * (h + pad) - pad, cols * (w + pad) - pad, c))
    for i in range(n):
        r, q = divmod(i, cols)
        out[r * (h + pad):r * (h + pad) + h, q * (w + pad):q * (w + pad) + w] = tiles[i]
    return out


def _show_mosaic(tiles: np.ndarray, cols: int, captions: Sequence[str] | None,
                 scale: float, cmap: str = "gray") -> bytes:
    n, h, w, _ = tiles.shape
    rows = -(-n // cols)
    caption = 0.32 if captions else 0.0
    fig = _figure(max(2.0, cols * scale), rows * (scale + caption) + 0.1)
    ax = fig.add_axes((0, 0, 1, 1))
    image = _mosaic(tiles, cols)
    pad = 2
    if captions:  # room for two lines of text under each tile
        room = round(h * caption / scale)
        spaced = np.ones((rows * (h + room + pad), image.shape[1], image.shape[2]))
        for r in range(rows):
            spaced[r * (h + room + pad):r * (h + room + pad) + h] = \
                image[r * (h + pad):r * (h + pad) + h]
        image = spaced
        for i, text in enumerate(captions):
            r, q = divmod(i, cols)
            ax.text(q * (w + pad) + w / 2, r * (h + room + pad) + h + 1, text, ha="center",
                    va="top", fontsize=7)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap=cmap, vmin=0, vmax=1,
              interpolation="nearest", aspect="equal")
    ax.axis("off")
    return _png(fig)


def image_grid_figure(images: np.ndarray, captions: Sequence[str], cols: int = 8) -> bytes:
    """Images in a grid, each with a caption under it (the mislabelled examples).

    Parameters
    ----------
    images : ndarray of shape (n, height, width, channels)
        Pixels, any scale: each image is scaled to [0, 1] on its own range
        (uint8 images as they are).
    captions : sequence of str
        One per image (plain text: matplotlib draws it, no markup).
    cols : int, default=8

    Returns
    -------
    bytes
        A PNG.
    """
    tiles = np.asarray(images, dtype=float)
    if np.asarray(images).dtype == np.uint8:
        tiles = tiles / 255
    else:
        low = tiles.min(axis=(1, 2, 3), keepdims=True)
        span = tiles.max(axis=(1, 2, 3), keepdims=True) - low
        tiles = (tiles - low) / np.where(span > 0, span, 1)
    cols = max(1, min(cols, len(tiles)))
    return _show_mosaic(tiles, cols, [plain(c) for c in captions], scale=1.1)


def weights_figure(W1: np.ndarray, image_shape: tuple[int, int, int], cols: int = 10) -> bytes:
    """The first layer's weights, one picture per unit (each scaled to its own range).

    Parameters
    ----------
    W1 : ndarray of shape (n_1, n_x)
        Engine orientation; ``n_x == height * width * channels``.
    image_shape : (height, width, channels)
    cols : int, default=10

    Returns
    -------
    bytes
        A PNG.
    """
    tiles = np.asarray(W1, dtype=float).reshape(len(W1), *image_shape)
    low = tiles.min(axis=(1, 2, 3), keepdims=True)
    span = tiles.max(axis=(1, 2, 3), keepdims=True) - low
    tiles = (tiles - low) / np.where(span > 0, span, 1)
    cols = max(1, min(cols, len(tiles)))
    return _show_mosaic(tiles, cols, None, scale=0.8,
                        cmap="gray" if image_shape[2] == 1 else "viridis")


def decision_boundary_figure(X: np.ndarray, y: np.ndarray, predict: Any,
                             classes: np.ndarray | None, resolution: int = 150) -> bytes:
    """The model's prediction over the plane of 2-D inputs, with the examples on it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Labels (classifiers) or targets (regression): the points' colours.
    predict : callable
        ``predict(grid)`` for a grid of shape (resolution**2, 2): labels or values.
    classes : ndarray or None
        The classifier's classes (labels are drawn as their index), None for
        a regressor.
    resolution : int, default=150

    Returns
    -------
    bytes
        A PNG.
    """
    X = np.asarray(X, dtype=float)
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * np.where(high > low, high - low, 1.0)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    z = np.asarray(predict(grid)).reshape(len(grid), -1)[:, 0]
    colours = np.asarray(y).reshape(len(y), -1)[:, 0]
    if classes is not None:
        index = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
        z = np.array([index.get(v, -1) for v in z.tolist()], dtype=float)
        colours = np.array([index.get(v, -1) for v in colours.tolist()], dtype=float)
    fig = _figure(4.2, 3.6)
    ax = fig.add_subplot()
    if classes is None:  # one colour scale for the predictions and the targets
        both = np.concatenate([z, colours.astype(float)])
        both = both[np.isfinite(both)]
        low_z, high_z = (both.min(), both.max()) if both.size else (0.0, 1.0)
        high_z = high_z if high_z > low_z else low_z + 1
        levels = np.linspace(low_z, high_z, 21)
    else:
        low_z, high_z = 0, max(len(classes) - 1, 1)
        levels = np.arange(-0.5, len(classes) + 0.5)
    ax.contourf(gx, gy, z.reshape(gx.shape), levels=levels, cmap="coolwarm", alpha=0.35,
                extend="both" if classes is None else "neither")
    span = {"vmin": low_z, "vmax": high_z}
    ax.scatter(X[:, 0], X[:, 1], c=colours.astype(float), cmap="coolwarm", s=10,
               edgecolors="k", linewidths=0.3, **span)
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    fig.tight_layout()
    return _png(fig)
