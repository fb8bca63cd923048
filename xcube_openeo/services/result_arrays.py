"""A service's or a result layer's cube as the array a map shows: (bands, t?, y, x)
of physical values, its time steps, one time step of it, and the empty tile."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xcube_openeo.errors import OpenEOError, ProcessGraphInvalid
from xcube_openeo.util.rfc3339 import format_rfc3339
from xcube_openeo_tiles import ImageData, RenderStyle, TileMatrixSet


def empty_tile(style: RenderStyle, tms: TileMatrixSet) -> bytes:
    """The tile where there is no data (transparent, or the style's background)."""
    size = tms.tile_size
    return style.render(
        ImageData(np.full((1, size, size), np.nan, np.float32), (0, 0, 1, 1), tms.crs)
    )


def result_cube(result: Any) -> Any:
    """The data cube of a graph's result (``save_result`` wraps it)."""
    from xcube_openeo.processes.cubes.io import SaveResult

    return result.data if isinstance(result, SaveResult) else result


def tile_cube(result: Any) -> Any:
    """The result as an xarray DataArray (bands, t?, y, x) of physical values, with
    1 band (colour map) or 3 (RGB)."""
    data = tile_cube_any_bands(result)
    if data.sizes["bands"] not in (1, 3):
        raise ProcessGraphInvalid(
            "A service's result cube needs 1 band (colour"
            f" map) or 3 bands (RGB), not {data.sizes['bands']}.",
        )
    return data


def tile_cube_any_bands(result: Any) -> Any:
    """The result as an xarray DataArray (bands, t?, y, x) of physical values."""
    from xcube_openeo.engine.cube import DataCube

    cube = result_cube(result)
    if not isinstance(cube, DataCube) or cube.x_dim is None or cube.y_dim is None:
        raise ProcessGraphInvalid(
            "A service's process graph must result in a"
            " raster data cube with spatial x and y dimensions.",
        )
    data = cube.masked_float() if cube.is_encoded else cube.data
    bands = cube.names_of_type("bands")
    temporal = cube.names_of_type("temporal")
    others = [d for d in data.dims if d not in (*bands, *temporal, cube.x_dim, cube.y_dim)]
    if len(bands) > 1 or len(temporal) > 1 or others:
        raise ProcessGraphInvalid(
            f"A service's result cube may have a bands, a"
            f" temporal, and the spatial dimensions, not {list(data.dims)}.",
        )
    rename = {
        cube.x_dim: "x",
        cube.y_dim: "y",
        **({temporal[0]: "t"} if temporal else {}),
        **({bands[0]: "bands"} if bands else {}),
    }
    data = data.rename({k: v for k, v in rename.items() if k != v})
    if not bands:
        data = data.expand_dims(bands=["value"])
    return data.transpose("bands", *(["t"] if temporal else []), "y", "x")


def time_labels(data: Any) -> list[str]:
    if "t" not in data.dims:
        return []
    return [format_rfc3339(v, midnight_as_date=True) for v in data["t"].values]


def select_time(data: Any, time_label: str | None) -> Any:
    """One time step: ``time_label``'s (dates match a day), or the latest; None if the
    cube has no time steps at all."""
    if "t" not in data.dims:
        return data
    if data.sizes["t"] == 0:
        return None
    if time_label is None:
        return data.isel(t=-1)
    try:
        wanted = pd.Timestamp(time_label)
    except (ValueError, TypeError):
        raise OpenEOError(
            "ServiceTimeInvalid", f"Time {time_label!r} is not an ISO 8601 time.", status=400
        ) from None
    if wanted.tzinfo is not None:
        wanted = wanted.tz_convert("UTC").tz_localize(None)
    times = pd.DatetimeIndex(data["t"].values)
    matches = np.nonzero(times == wanted)[0]
    if not matches.size and wanted == wanted.normalize():
        matches = np.nonzero(times.normalize() == wanted)[0]
    if not matches.size:
        raise OpenEOError(
            "ServiceTimeInvalid",
            f"Time {time_label!r} is not one of the layer's times (see the WMTS capabilities).",
            status=404,
        )
    return data.isel(t=int(matches[0]))
