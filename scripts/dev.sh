#!/usr/bin/env bash
# The two commands of this project (see README.md):
#   scripts/dev.sh serve   set up, then serve the demo data on http://localhost:8080
#   scripts/dev.sh test    set up, then run the linter, the type checker and the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."
export XCUBE_OPENEO_DATA_DIR=${XCUBE_OPENEO_DATA_DIR:-$PWD/data}
# The back-end's state lives apart from the served datasets (README, "Security").
export XCUBE_OPENEO_STATE_DIR=${XCUBE_OPENEO_STATE_DIR:-$PWD/var/state}
VENV=${XCUBE_OPENEO_VENV:-$PWD/.venv}

case "${1:-}" in
  serve)
    shift
    bash scripts/setup.sh
    if [ -d "$XCUBE_OPENEO_DATA_DIR/state" ] && [ ! -e "$XCUBE_OPENEO_STATE_DIR" ]; then
      # Earlier versions kept the state beside the datasets, where xcube's APIs reach it.
      echo "[serve] moving the state from $XCUBE_OPENEO_DATA_DIR/state to $XCUBE_OPENEO_STATE_DIR"
      mkdir -p "$(dirname "$XCUBE_OPENEO_STATE_DIR")"
      mv "$XCUBE_OPENEO_DATA_DIR/state" "$XCUBE_OPENEO_STATE_DIR"
    fi
    echo "[serve] openEO at http://localhost:${PORT:-8080}/openeo/1.2/ (discovery: /.well-known/openeo)"
    exec "$VENV/bin/xcube" serve --config "${XCUBE_OPENEO_CONFIG:-configs/demo.yaml}" \
      --address "${ADDRESS:-0.0.0.0}" --port "${PORT:-8080}" "$@"
    ;;
  test)
    shift
    XCUBE_OPENEO_SKIP_DEMO=1 XCUBE_OPENEO_WHEELHOUSE=1 bash scripts/setup.sh
    # Debian's Chromium, for the browser test of the services' web map pages.
    bash scripts/install_chromium.sh
    echo "[test] ruff"
    "$VENV/bin/ruff" check xcube_openeo xcube_openeo_tiles tests benchmarks scripts
    # The packages and options come from [tool.mypy] in pyproject.toml; .mypy_cache
    # keeps repeated runs quick.
    echo "[test] mypy"
    "$VENV/bin/mypy"
    echo "[test] pytest"
    exec "$VENV/bin/python" -m pytest -n "${PYTEST_WORKERS:-2}" -p no:cacheprovider "$@"
    ;;
  *)
    echo "usage: scripts/dev.sh serve|test [extra arguments]" >&2
    exit 2
    ;;
esac
