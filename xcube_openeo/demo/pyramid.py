"""2x2 downsampling for the pyramid levels of the multi-level demo dataset."""

from __future__ import annotations

import numpy as np


def _blocks(data: np.ndarray) -> np.ndarray:
    """View (..., y, x) as (..., y/2, x/2, 4) with the 2x2 block members last."""
    *lead, h, w = data.shape
    if h % 2 or w % 2:
        raise ValueError(f"spatial shape {(h, w)} is not divisible by 2")
    b = data.reshape(*lead, h // 2, 2, w // 2, 2)
    b = np.moveaxis(b, -3, -2)  # (..., y/2, x/2, 2, 2)
    return b.reshape(*lead, h // 2, w // 2, 4)


def mean_ignoring_nodata(data: np.ndarray, nodata: int = 0) -> np.ndarray:
    """Mean of every 2x2 block over its valid members; ``nodata`` where none is valid."""
    blocks = _blocks(data)
    valid = blocks != nodata
    count = valid.sum(axis=-1, dtype=np.uint8)
    total = np.where(valid, blocks, 0).sum(axis=-1, dtype=np.uint32)
    mean = np.rint(total / np.maximum(count, 1))
    return np.where(count > 0, mean, nodata).astype(data.dtype)


def mode(data: np.ndarray) -> np.ndarray:
    """Most frequent value of every 2x2 block (ties: the first in row-major order).

    For categorical layers such as SCL, where averaging has no meaning.
    """
    blocks = _blocks(data)
    counts = np.stack(
        [(blocks == blocks[..., i : i + 1]).sum(axis=-1) for i in range(4)], axis=-1
    )
    winner = counts.argmax(axis=-1)[..., None]
    return np.take_along_axis(blocks, winner, axis=-1)[..., 0]
