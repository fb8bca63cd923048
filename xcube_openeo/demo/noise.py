"""Smooth random fields that do not depend on the raster resolution.

A field is defined by random values on a coarse grid of nodes over the unit square
and interpolated with a separable Gaussian kernel. Because the nodes live in
normalised coordinates, the full-size and the ``--small`` rasters show the same
pattern, only sampled more coarsely; because the kernel is separable, a field is
two small matrix products, which keeps per-date cloud fields cheap.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import sparse


def pixel_centres(size: int) -> np.ndarray:
    """Normalised pixel-centre coordinates in [0, 1] for an axis of ``size`` pixels."""
    return (np.arange(size, dtype=np.float64) + 0.5) / size


@functools.lru_cache(maxsize=64)
def _kernel_weights(size: int, nodes: int) -> sparse.csr_array:
    """Interpolation weights (pixel, node), sparse: each pixel sees about 5 nodes."""
    # Nodes extend one spacing beyond the unit interval so edges are not damped.
    spacing = 1.0 / (nodes - 1)
    node_pos = np.linspace(-spacing, 1.0 + spacing, nodes + 2)
    d = (pixel_centres(size)[:, None] - node_pos[None, :]) / spacing
    w = np.where(np.abs(d) < 2.4, np.exp(-0.5 * (d / 0.6) ** 2), 0.0)
    return sparse.csr_array(w / w.sum(axis=1, keepdims=True))


def smooth_field(
    rng: np.random.Generator,
    shape: tuple[int, int],
    nodes: int | tuple[int, int],
) -> np.ndarray:
    """One octave of smooth noise (roughly zero mean, unit-ish std), float32."""
    ny, nx = (nodes, nodes) if isinstance(nodes, int) else nodes
    values = rng.standard_normal((ny + 2, nx + 2))
    wy = _kernel_weights(shape[0], ny)
    wx = _kernel_weights(shape[1], nx)
    rows = wy @ values  # (y, node_x), small
    return np.ascontiguousarray((wx @ rows.T).T, dtype=np.float32)


def fractal_field(
    rng: np.random.Generator,
    shape: tuple[int, int],
    base_nodes: int = 4,
    octaves: int = 4,
    persistence: float = 0.5,
) -> np.ndarray:
    """Sum of octaves with doubling node counts: irregular blobs with ragged edges.

    Normalised to zero mean and unit standard deviation over the raster.
    """
    total = np.zeros(shape, dtype=np.float32)
    amplitude = 1.0
    for octave in range(octaves):
        total += amplitude * smooth_field(rng, shape, base_nodes * 2**octave)
        amplitude *= persistence
    total -= total.mean()
    total /= max(float(total.std()), 1e-6)
    return total
