"""Colour maps by name, value scaling and legends.

Every colour map is sampled to :data:`N_COLORS` (255) colours so that a tile fits an
8-bit palette with one more entry, :data:`NODATA_INDEX` (0), kept fully transparent
for no data; putting it first keeps the PNG transparency chunk one byte long.
RGBA rendering uses the very same colours, so palette and RGBA tiles agree.
"""

from __future__ import annotations

import difflib
import functools
import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np

from xcube_openeo_tiles.errors import InvalidColormap, InvalidParameter, InvalidValueRange

N_COLORS = 255
NODATA_INDEX = 0
CMOCEAN_PREFIX = "cmo."


@dataclass(frozen=True, eq=False)
class Colormap:
    """A named colour map as a 256-entry RGBA palette (entry 0: transparent)."""

    name: str
    palette: np.ndarray  # (256, 4) uint8, read-only

    @property
    def colors(self) -> np.ndarray:
        """The 255 colours, from the one for ``vmin`` to the one for ``vmax``."""
        return self.palette[1:]


def get_colormap(name: str) -> Colormap:
    """A colour map by matplotlib or cmocean name (``"viridis"``, ``"RdBu_r"``,
    ``"cmo.thermal"`` or ``"thermal"``; any case); raises :class:`InvalidColormap`."""
    if not isinstance(name, str) or not name:
        raise InvalidColormap(f"a colour map name must be a non-empty string, not {name!r}")
    return _cached_colormap(name)


@functools.lru_cache(maxsize=256)
def _cached_colormap(name: str) -> Colormap:
    mpl_cmap = _find_matplotlib_colormap(name)
    colors = mpl_cmap(np.linspace(0.0, 1.0, N_COLORS), bytes=True)
    palette = np.zeros((N_COLORS + 1, 4), dtype=np.uint8)
    palette[1:] = colors
    palette.flags.writeable = False
    return Colormap(name=name, palette=palette)


def colormap_names() -> list[str]:
    """All accepted colour map names (matplotlib's, with cmocean's registered)."""
    _register_cmocean()
    return sorted(matplotlib.colormaps)


def _find_matplotlib_colormap(name: str) -> matplotlib.colors.Colormap:
    if name in matplotlib.colormaps:
        return matplotlib.colormaps[name]
    # cmocean registers its maps as "cmo.<name>" when imported; importing it takes
    # about a second, so only for names matplotlib does not know.
    _register_cmocean()
    # Names are matched exactly first, then ignoring case ("rdylgn", "greys_r"):
    # no two registered names differ by case alone.
    by_lower = {registered.lower(): registered for registered in matplotlib.colormaps}
    for candidate in (name, CMOCEAN_PREFIX + name):
        if candidate in matplotlib.colormaps:
            return matplotlib.colormaps[candidate]
        if candidate.lower() in by_lower:
            return matplotlib.colormaps[by_lower[candidate.lower()]]
    close = difflib.get_close_matches(name, list(matplotlib.colormaps), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InvalidColormap(f"unknown colour map {name!r}{hint}")


@functools.cache
def _register_cmocean() -> None:
    try:
        with warnings.catch_warnings():
            # cmocean uses ListedColormap arguments matplotlib 3.11 deprecates.
            warnings.simplefilter("ignore", DeprecationWarning)
            import cmocean  # noqa: F401  (registers the cmo.* colour maps)
    except ImportError:  # optional: matplotlib's maps still work
        pass


def check_value_range(vmin: float, vmax: float, log: bool = False) -> tuple[float, float]:
    """Validate a value range; raises :class:`InvalidValueRange`."""
    try:
        low, high = float(vmin), float(vmax)
    except (TypeError, ValueError) as error:
        raise InvalidValueRange(
            f"value range must be two numbers, not {vmin!r}, {vmax!r}"
        ) from error
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise InvalidValueRange(f"value range needs finite vmin < vmax, not {low}, {high}")
    if log and low <= 0:
        raise InvalidValueRange(f"a logarithmic value range needs vmin > 0, not {low}")
    return low, high


def normalize_values(
    values: np.ndarray,
    vmin: float,
    vmax: float,
    *,
    log: bool = False,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Values scaled to 0..1 (vmin -> 0, vmax -> 1, beyond the range clipped) and a
    boolean no-data array: NaN, masked (``mask`` or a numpy masked array) and, with
    ``log``, non-positive values."""
    low, high = check_value_range(vmin, vmax, log)
    data = np.ma.getdata(values)
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(np.float64)
    nodata = np.isnan(data)
    if isinstance(values, np.ma.MaskedArray):
        nodata |= np.ma.getmaskarray(values)
    if mask is not None:
        nodata |= np.asarray(mask, dtype=bool)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            nodata |= data <= 0
            data = np.log10(data)
        low, high = math.log10(low), math.log10(high)
    scaled = (data - low) * (1.0 / (high - low))
    np.clip(scaled, 0.0, 1.0, out=scaled)
    scaled[nodata] = 0.0
    return scaled, nodata


def scale_to_indices(
    values: np.ndarray,
    vmin: float,
    vmax: float,
    *,
    log: bool = False,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Quantise values to palette indices (uint8): vmin -> 1, vmax -> 255, and
    :data:`NODATA_INDEX` (0) for no data (see :func:`normalize_values`)."""
    scaled, nodata = normalize_values(values, vmin, vmax, log=log, mask=mask)
    indices = np.rint(scaled * (N_COLORS - 1)).astype(np.uint8)
    indices += 1
    indices[nodata] = NODATA_INDEX
    return indices


def apply_colormap(
    values: np.ndarray,
    colormap: str | Colormap,
    vmin: float,
    vmax: float,
    *,
    log: bool = False,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Colour a 2-D array: an RGBA uint8 array of shape (h, w, 4), no data transparent."""
    cmap = get_colormap(colormap) if isinstance(colormap, str) else colormap
    indices = scale_to_indices(values, vmin, vmax, log=log, mask=mask)
    return cmap.palette[indices]


def scale_bands(
    bands: np.ndarray,
    ranges: Sequence[tuple[float, float]],
    *,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Scale bands (n, h, w) linearly to 0..255 with one (vmin, vmax) per band; a
    (h, w, n+1) uint8 array whose last channel (alpha) is 0 where any band has no
    data (NaN or masked), 255 elsewhere. Three bands give RGBA."""
    data = np.asarray(bands)
    if len(ranges) != data.shape[0]:
        raise InvalidValueRange(
            f"{data.shape[0]} bands need as many value ranges, got {len(ranges)}"
        )
    out = np.empty(data.shape[1:] + (data.shape[0] + 1,), dtype=np.uint8)
    nodata = np.zeros(data.shape[1:], dtype=bool) if mask is None else np.array(mask, dtype=bool)
    for i, (vmin, vmax) in enumerate(ranges):
        scaled, band_nodata = normalize_values(data[i], vmin, vmax)
        nodata |= band_nodata
        out[..., i] = np.rint(scaled * 255.0)
    out[..., -1] = 255
    out[nodata] = 0
    return out


def legend_png(
    colormap: str,
    vmin: float,
    vmax: float,
    *,
    log: bool = False,
    label: str | None = None,
    width: int = 320,
    height: int = 64,
) -> bytes:
    """A horizontal colour bar with ticks as PNG bytes, in the tiles' own colours
    (cached)."""
    low, high = check_value_range(vmin, vmax, log)
    cmap = get_colormap(colormap)
    if not all(isinstance(v, int) and 16 <= v <= 4096 for v in (width, height)):
        raise InvalidParameter(f"legend size must be 16..4096 pixels, not {width}x{height}")
    return _legend_png(
        cmap.name, low, high, bool(log), str(label) if label else None, width, height
    )


@functools.lru_cache(maxsize=64)
def _legend_png(
    colormap: str, low: float, high: float, log: bool, label: str | None, width: int, height: int
) -> bytes:
    # Imported here: only legends need matplotlib's figure machinery.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, LogNorm, Normalize
    from matplotlib.figure import Figure

    cmap = get_colormap(colormap)
    listed = ListedColormap(cmap.colors / 255.0, name=cmap.name)
    norm = LogNorm(low, high) if log else Normalize(low, high)
    dpi = 100
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.05, 0.55 if label else 0.5, 0.9, 0.35 if label else 0.4))
    colorbar = figure.colorbar(
        ScalarMappable(norm=norm, cmap=listed), cax=axes, orientation="horizontal"
    )
    colorbar.ax.tick_params(labelsize=8)
    if label:
        colorbar.set_label(label, fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, transparent=False)
    return buffer.getvalue()
