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


def mean_ignoring_nodata(data: np.ndarray) -> np.ndarray:
    """Mean of every 2x2 block over its valid members; 0 (no data) where none is valid.

    Only for unsigned integers with 0 as no-data value: then invalid members add
    nothing to the sum, and only the count of valid members needs care.
    """
    *lead, h, w = data.shape
    if h % 2 or w % 2:
        raise ValueError(f"spatial shape {(h, w)} is not divisible by 2")
    axes = (len(lead) + 1, len(lead) + 3)
    total = data.reshape(*lead, h // 2, 2, w // 2, 2).sum(axis=axes, dtype=np.uint32)
    if data.all():  # the usual case: no gaps, a plain rounded mean
        return ((total + 2) // 4).astype(data.dtype)
    count = (data != 0).reshape(*lead, h // 2, 2, w // 2, 2).sum(axis=axes, dtype=np.uint32)
    return ((total + count // 2) // np.maximum(count, 1)).astype(data.dtype)


def mode(data: np.ndarray) -> np.ndarray:
    """Most frequent value of every 2x2 block (ties: the first in row-major order).

    For categorical layers such as SCL, where averaging has no meaning.
    """
    blocks = _blocks(data)
    counts = np.stack([(blocks == blocks[..., i : i + 1]).sum(axis=-1) for i in range(4)], axis=-1)
    winner = counts.argmax(axis=-1)[..., None]
    return np.take_along_axis(blocks, winner, axis=-1)[..., 0]
