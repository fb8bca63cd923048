#!/usr/bin/env bash
# Sets up everything this project needs on a fresh Debian machine with Python 3.10-3.13:
# Debian's GDAL headers, a virtual environment in .venv, the GDAL bindings matching the
# system GDAL, this project (editable, with test extras), and the demo data.
# Idempotent: when everything is present it only checks, in a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${XCUBE_OPENEO_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
step() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# 1. System packages: GDAL (the Python bindings have no wheel and build against it),
#    and venv support where the Python is Debian's own.
APT_PACKAGES=()
command -v gdal-config >/dev/null 2>&1 || APT_PACKAGES+=(libgdal-dev gdal-bin)
# npm: the web map library of the services is vendored from the npm registry.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
"$PY" -c "import venv, ensurepip" 2>/dev/null || APT_PACKAGES+=(python3-venv python3-dev)
# PostgreSQL server binaries: the tests start a throwaway cluster (initdb, pg_ctl).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
  || APT_PACKAGES+=(postgresql)
if [ ${#APT_PACKAGES[@]} -gt 0 ]; then
  step "installing Debian packages: ${APT_PACKAGES[*]} (about a minute)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    build-essential "${APT_PACKAGES[@]}"
fi
GDAL_VERSION=$(gdal-config --version)

# 2. Virtual environment.
if [ ! -x "$VENV/bin/python" ]; then
  step "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip install --progress-bar on)

# 3. GDAL bindings matching the system library.
if ! "$VPY" -c "from osgeo import gdal; assert gdal.__version__ == '$GDAL_VERSION'" 2>/dev/null; then
  step "building GDAL $GDAL_VERSION Python bindings (about a minute)"
  "${PIP[@]}" "numpy>=1.26" setuptools wheel
  "${PIP[@]}" --no-build-isolation "gdal[numpy]==$GDAL_VERSION"
fi

# 4. This project with its test extras; reinstalled only when pyproject.toml changed.
STAMP="$VENV/.xcube-openeo-installed"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] \
   || ! "$VPY" -c "import xcube_openeo, xcube" 2>/dev/null; then
  step "installing xcube-openeo and its dependencies (a few minutes on a fresh machine)"
  "${PIP[@]}" -e ".[test]"
  touch "$STAMP"
fi

# 4a. The web map library (Leaflet) for the services' map pages, from the npm registry
#     into var/vendor (git-ignored): the server never loads scripts from a CDN.
step "checking the vendored web map library"
bash scripts/vendor_web.sh

# 4b. For the test command: the wheels of everything installed, collected while package
#     registries are reachable, so that the fresh-install test can build a clean
#     environment offline (no network at test time).
if [ -n "${XCUBE_OPENEO_WHEELHOUSE:-}" ]; then
  WHEELHOUSE="$ROOT/.wheelhouse"
  if [ ! -f "$WHEELHOUSE/.complete" ] || [ "$STAMP" -nt "$WHEELHOUSE/.complete" ]; then
    step "collecting wheels for the offline fresh-install test (about a minute)"
    mkdir -p "$WHEELHOUSE"
    "$VPY" -m pip freeze --exclude-editable | grep -v '^-e ' > "$WHEELHOUSE/requirements.txt"
    "$VPY" -m pip download -q --no-deps -d "$WHEELHOUSE" -r "$WHEELHOUSE/requirements.txt" \
      pip setuptools wheel "setuptools>=68"
    touch "$WHEELHOUSE/.complete"
  fi
fi

# 5. Demo data (deterministic, generated offline); the tests make their own small data.
if [ -z "${XCUBE_OPENEO_SKIP_DEMO:-}" ]; then
  step "checking demo data in ${XCUBE_OPENEO_DATA_DIR:-data}"
  # XCUBE_OPENEO_DEMO_SMALL=1: the tiny variant (same names), for quick checks.
  "$VPY" -m xcube_openeo.demo.generate --if-missing --data-dir "${XCUBE_OPENEO_DATA_DIR:-$ROOT/data}" \
    ${XCUBE_OPENEO_DEMO_SMALL:+--small}
fi
step "ready"
