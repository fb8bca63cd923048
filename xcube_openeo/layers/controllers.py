"""Result layers of finished batch jobs: signed links, tiles, WMTS and coverages."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyproj

from xcube_openeo.engine.geometry import cube_crs
from xcube_openeo.errors import BadRequest, NotFound, OpenEOError
from xcube_openeo.execution.staging import open_staged
from xcube_openeo.formats import load_formats
from xcube_openeo.formats.writing import encode_response
from xcube_openeo.layers.render import Layer, open_layer, render_tile
from xcube_openeo_tiles import (
    RenderStyle,
    TilesError,
    WmtsLayer,
    WmtsService,
    WmtsStyle,
    capabilities_xml,
    get_tile_matrix_set,
)

if TYPE_CHECKING:  # composed in xcube_openeo.api, above this package
    from xcube_openeo.api.context import OpenEOContext
    from xcube_openeo.jobs.repository import Job  # jobs link to layers: no runtime import

STAGED_NAME = ".staged.zarr"
SIGNED_ASSET = "layer"
TILE_MATRIX_SETS = ("WebMercatorQuad", "WorldCRS84Quad")


def layer_base_url(ctx: OpenEOContext, base_url: str, job_id: str) -> str:
    signer = ctx.job_url_signer
    expires = signer.expiry()
    return (
        f"{base_url}/result_layers/{job_id}/{expires}/"
        f"{signer.signature(job_id, SIGNED_ASSET, expires)}"
    )


def layer_links(ctx: OpenEOContext, job: Job, base_url: str) -> list[dict[str, Any]]:
    """Links of a finished raster job's layer (rel xyz, wmts, coverage), signed."""
    if (
        job.status != "finished"
        or not ctx.job_results.is_file(job.job_id, STAGED_NAME + "/zarr.json")
        and not ctx.job_results.is_file(job.job_id, STAGED_NAME + "/.zmetadata")
    ):
        return []
    base = layer_base_url(ctx, base_url, job.job_id)
    return [
        {
            "rel": "xyz",
            "href": base + "/xyz/{z}/{x}/{y}.png",
            "type": "image/png",
            "title": "Result layer as XYZ tiles (query: bands, time, colormap, range)",
        },
        {
            "rel": "wmts",
            "href": base + "/wmts",
            "type": "application/xml",
            "title": "Result layer as WMTS",
        },
        {
            "rel": "coverage",
            "href": base + "/coverage",
            "type": "image/tiff",
            "title": "Coverage download (query: bbox, bbox-crs, datetime, properties, f)",
        },
    ]


def checked_layer(
    ctx: OpenEOContext, job_id: str, expires: str, signature: str
) -> tuple[Job, Layer]:
    ctx.job_url_signer.check(job_id, SIGNED_ASSET, expires, signature)
    job = ctx.jobs.get_any(job_id)
    if job is None or job.status != "finished":
        raise NotFound("No finished result at this URL.")
    staged = f"{ctx.job_results.job_url(job_id)}/{STAGED_NAME}"
    return job, open_layer(staged, ctx.job_results.storage_options, str(job.finished))


def style_of(query: dict[str, str | None], band_count: int) -> RenderStyle:
    value_range: Any = None
    if query.get("range"):
        try:
            low, high = (float(v) for v in str(query["range"]).split(","))
        except ValueError:
            raise BadRequest("'range' must be 'min,max'.") from None
        value_range = (low, high) if band_count == 1 else [(low, high)] * band_count
    try:
        return RenderStyle(
            colormap=query.get("colormap") or "viridis",
            value_range=value_range,
            image_format=query.get("format") or "png",
        )
    except TilesError as e:
        raise BadRequest(e.message) from None


def band_list(value: str | None) -> list[str] | None:
    return [b for b in value.split(",") if b] if value else None


def tile(
    ctx: OpenEOContext,
    job: Job,
    layer: Layer,
    tms_id: str,
    z: int,
    x: int,
    y: int,
    query: dict[str, str | None],
) -> tuple[str, Any, str]:
    """(ETag, () -> bytes, media type) of a layer tile."""
    bands = band_list(query.get("bands"))
    style = style_of(query, len(bands) if bands else 1)
    tms = get_tile_matrix_set(tms_id, 256)
    checked = tms.check((x, y, z))
    time_label = query.get("time")
    key = (
        "layer:" + job.job_id,
        str(job.finished),
        tms_id,
        *checked,
        time_label,
        tuple(bands or ()),
        style.key,
    )
    etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'

    def compute() -> bytes:
        return ctx.tile_cache.get_or_compute(
            key, lambda: render_tile(layer, bands, time_label, tms, checked, style)
        )

    return etag, compute, style.media_type


def capabilities(job: Job, layer: Layer, base: str, query: dict[str, str | None]) -> bytes:
    layers = []
    for band in layer.bands:
        time_part = "{Time}" if layer.times else "current"
        template = (
            f"{base}/wmts/tile/{band}/{time_part}/{{TileMatrixSet}}/{{TileMatrix}}"
            f"/{{TileRow}}/{{TileCol}}.png"
        )
        layers.append(
            WmtsLayer(
                identifier=band,
                title=f"{job.title or job.job_id}: {band}",
                bbox_wgs84=layer.bbox_wgs84,
                tile_urls={"png": template},
                styles=(WmtsStyle(),),
                times=list(layer.times),
            )
        )
    service = WmtsService(
        title=job.title or f"Results of {job.job_id}",
        kvp_url=f"{base}/wmts",
        capabilities_url=f"{base}/wmts/1.0.0/WMTSCapabilities.xml",
        tile_matrix_sets=[get_tile_matrix_set(t) for t in TILE_MATRIX_SETS],
    )
    return capabilities_xml(service, layers)


def coverage(
    ctx: OpenEOContext, job: Job, staged_url: str, query: dict[str, str | None]
) -> tuple[bytes, str, str]:
    """The staged cube subset by ``bbox`` (in ``bbox-crs``), ``datetime`` and
    ``properties`` (bands), encoded as ``f`` (GTiff or netCDF)."""
    cube = open_staged(staged_url, ctx.job_results.storage_options).decoded()
    data = cube.data
    if bbox := query.get("bbox"):
        data = _subset_bbox(cube, data, bbox, query.get("bbox-crs"))
    temporal = cube.names_of_type("temporal")
    if (value := query.get("datetime")) and temporal:
        data = _subset_time(data, temporal[0], value)
    bands = band_list(query.get("properties"))
    band_dims = cube.names_of_type("bands")
    if bands and band_dims:
        labels = [str(v) for v in data[band_dims[0]].values]
        missing = [b for b in bands if b not in labels]
        if missing:
            raise BadRequest(f"Unknown properties {missing} (bands: {labels}).")
        data = data.sel({band_dims[0]: bands})
    if 0 in data.shape:
        raise BadRequest("The subset is empty: no data in that bbox/datetime.")
    name = {
        "gtiff": "GTiff",
        "geotiff": "GTiff",
        "tif": "GTiff",
        "tiff": "GTiff",
        "netcdf": "netCDF",
        "nc": "netCDF",
    }.get((query.get("f") or "gtiff").lower())
    fmt = load_formats().find_output(name) if name else None
    if fmt is None:
        raise OpenEOError("FormatUnsupported", "Coverages are available as f=GTiff or f=netCDF.")
    return encode_response(fmt, cube.with_data(data), {}, stem=job.job_id)


def _subset_bbox(cube: Any, data: Any, bbox: str, bbox_crs: str | None) -> Any:
    try:
        west, south, east, north = (float(v) for v in bbox.split(","))
        source = pyproj.CRS.from_user_input(bbox_crs or "EPSG:4326")
    except (ValueError, pyproj.exceptions.CRSError):
        raise BadRequest(
            "'bbox' must be 'west,south,east,north' and 'bbox-crs' a CRS (default EPSG:4326).",
        ) from None
    target = cube_crs(cube)
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)
    x0, y0, x1, y1 = transformer.transform_bounds(west, south, east, north, densify_pts=21)
    xs, ys = data[cube.x_dim].values, data[cube.y_dim].values
    return data.isel(
        {
            cube.x_dim: np.nonzero((xs >= x0) & (xs <= x1))[0],
            cube.y_dim: np.nonzero((ys >= y0) & (ys <= y1))[0],
        }
    )


def _subset_time(data: Any, dim: str, value: str) -> Any:
    parts = value.split("/")
    try:
        bounds: list[Any] = [
            None
            if p in ("", "..")
            else pd.Timestamp(p).tz_localize(None)
            if pd.Timestamp(p).tzinfo is None
            else pd.Timestamp(p).tz_convert(None)
            for p in parts
        ]
    except ValueError:
        raise BadRequest(f"'datetime' {value!r} is not a time or interval.") from None
    times = pd.DatetimeIndex(data[dim].values)
    if len(bounds) == 1:
        keep = times == bounds[0]
        if not keep.any() and bounds[0] == bounds[0].normalize():
            keep = times.normalize() == bounds[0]
    elif len(bounds) == 2:
        keep = np.ones(len(times), bool)
        if bounds[0] is not None:
            keep &= times >= bounds[0]
        if bounds[1] is not None:
            keep &= times <= bounds[1]
    else:
        raise BadRequest(f"'datetime' {value!r} is not a time or interval.")
    return data.isel({dim: np.nonzero(keep)[0]})


__all__ = ["coverage", "layer_links", "tile"]
