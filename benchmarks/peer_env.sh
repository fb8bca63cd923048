#!/usr/bin/env bash
# Creates .venv-peer: a separate environment with openeo-processes-dask and
# openeo-pg-parser-networkx for the peer benchmark (benchmarks/peer_ndvi_composite.py).
#
# openeo-processes-dask[implementations] requires gdal>=3.8.4, which cannot be
# built here; the package never imports osgeo, so it is installed without
# dependencies and its other requirements (from its wheel metadata, the
# "implementations" extra minus gdal) are installed explicitly.
# numpy/dask/xarray/zarr/pandas are pinned to the versions of the main .venv
# so that the comparison measures the process layers, not library versions.
#
# Usage: bash benchmarks/peer_env.sh [--force]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN_PY="$REPO/.venv/bin/python"
PEER="$REPO/.venv-peer"

if [[ "${1:-}" == "--force" ]]; then
    rm -rf "$PEER"
fi
if [[ -x "$PEER/bin/python" ]] && "$PEER/bin/python" -c \
    "import openeo_processes_dask.process_implementations, openeo_pg_parser_networkx" 2>/dev/null; then
    echo "peer environment ready: $PEER"
    exit 0
fi

# The same interpreter the main venv was made from.
BASE_PY="$("$MAIN_PY" -c 'import sys; print(sys._base_executable)')"
echo "creating $PEER with $BASE_PY"
"$BASE_PY" -m venv "$PEER"
PIP=("$PEER/bin/python" -m pip install --quiet --disable-pip-version-check)

# Same core library versions as the main environment.
CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
"$MAIN_PY" - >"$CONSTRAINTS" <<'PY'
from importlib.metadata import version
for name in ("numpy", "dask", "distributed", "xarray", "zarr", "pandas", "numcodecs"):
    print(f"{name}=={version(name)}")
PY

"${PIP[@]}" --upgrade pip
"${PIP[@]}" --no-deps "openeo-processes-dask>=2025.1"
# Base requirements and the "implementations" extra of openeo-processes-dask, without gdal.
"${PIP[@]}" -c "$CONSTRAINTS" \
    "openeo-pg-parser-networkx>=2025.10" \
    "numpy>=1.26.3,<3" "scipy>=1.11.3,<2" "pyarrow>=15.0.2" "geoparquet==0.0.3" "openeo>=0.36.0" \
    "dask[array,dataframe,distributed]>=2023.4.0" "dask-geopandas>=0.4.3" "geopandas>=0.11.1" \
    "joblib>=1.3.2" "odc-geo>=0.4.1,<1" "odc-loader[zarr]>=0.5" "odc-stac>=0.3.9" \
    "planetary_computer>=0.5.1" "pystac>=1.12.0" "pystac_client>=0.6.1" "rasterio>=1.3.4" \
    "rioxarray>=0.12.0,<1" "stac_validator>=3.3.1" "xarray>=2022.11.0" "xvec==0.2.0" \
    "zarr" "psutil"

"$PEER/bin/python" -c "import openeo_processes_dask.process_implementations, openeo_pg_parser_networkx"
echo "peer environment ready: $PEER"
