"""2x2 downsampling for the pyramid levels of the multi-level demo dataset.

Both functions work on the four strided views of a block's members (top-left,
top-right, bottom-left, bottom-right) rather than on a reshaped copy: that keeps
every pass over quarter-size arrays, which matters at 73 dates x 11 variables.
"""

from __future__ import annotations

import numpy as np


def _members(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    h, w = data.shape[-2:]
    if h % 2 or w % 2:
        raise ValueError(f"spatial shape {(h, w)} is not divisible by 2")
    return (
        data[..., 0::2, 0::2],
        data[..., 0::2, 1::2],
        data[..., 1::2, 0::2],
        data[..., 1::2, 1::2],
    )


def mean_ignoring_nodata(data: np.ndarray) -> np.ndarray:
    """Mean of every 2x2 block over its valid members; 0 (no data) where none is valid.

    Only for unsigned integers with 0 as no-data value: then invalid members add
    nothing to the sum, and only the count of valid members needs care.
    """
    members = _members(data)
    total = members[0].astype(np.uint32)
    for member in members[1:]:
        total += member
    if data.all():  # the usual case: no gaps, a plain rounded mean
        total += 2
        total //= 4
        return total.astype(data.dtype)
    count = sum((member != 0).astype(np.uint32) for member in members)
    return ((total + count // 2) // np.maximum(count, 1)).astype(data.dtype)


def mode(data: np.ndarray) -> np.ndarray:
    """Most frequent value of every 2x2 block (ties: the first in row-major order).

    For categorical layers such as SCL, where averaging has no meaning.
    """
    a, b, c, d = _members(data)
    ab, ac, ad, bc, bd, cd = a == b, a == c, a == d, b == c, b == d, c == d
    counts = (
        ab.astype(np.uint8) + ac + ad,
        ab.astype(np.uint8) + bc + bd,
        ac.astype(np.uint8) + bc + cd,
        ad.astype(np.uint8) + bd + cd,
    )
    best, best_count = a.copy(), counts[0]
    for member, count in zip((b, c, d), counts[1:], strict=True):
        better = count > best_count
        best[better] = member[better]
        best_count = np.maximum(best_count, count)
    return best
