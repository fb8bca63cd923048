#!/usr/bin/env bash
# Runs the README's two commands in a clean clone with a clean virtual environment,
# offline: packages come from the wheelhouse that the test command's set-up collected.
#   scripts/check_fresh_install.sh [WORK_DIR]
# Checks: the test command passes (on a few tests of each kind), and the serve command
# brings up a server whose /.well-known/openeo answers and whose collections the openeo
# client lists.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d)}
WHEELHOUSE="$ROOT/.wheelhouse"
[ -f "$WHEELHOUSE/.complete" ] || { echo "no wheelhouse: run 'bash scripts/dev.sh test' first" >&2; exit 2; }
say() { printf '\033[1m[fresh-install]\033[0m %s\n' "$*"; }

say "cloning into $WORK/repo"
git clone -q "$ROOT" "$WORK/repo"
cp -r "$ROOT/../shared" "$WORK/shared" 2>/dev/null || ln -s "$ROOT/../shared" "$WORK/shared"
cd "$WORK/repo"
# The vendored web library comes from the npm registry at set-up; offline, reuse ours.
[ -d "$ROOT/var/vendor" ] && mkdir -p var && cp -r "$ROOT/var/vendor" var/
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHEELHOUSE" PIP_DISABLE_PIP_VERSION_CHECK=1
export XCUBE_OPENEO_VENV="$WORK/venv"

say "test command"
bash scripts/dev.sh test -x -q tests/api/test_discovery.py tests/test_plugin.py

say "serve command (demo data: small variant)"
export XCUBE_OPENEO_DATA_DIR="$WORK/data" XCUBE_OPENEO_DEMO_SMALL=1
PORT=${PORT:-$("$XCUBE_OPENEO_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
PORT=$PORT ADDRESS=127.0.0.1 bash scripts/dev.sh serve > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/.well-known/openeo" > "$WORK/well-known.json" 2>/dev/null && break
  sleep 0.5
done
cat "$WORK/well-known.json"; echo
"$XCUBE_OPENEO_VENV/bin/python" - "$PORT" <<'PY'
import sys
import openeo
ids = openeo.connect(f"http://127.0.0.1:{sys.argv[1]}").list_collection_ids()
print("collections:", ids)
assert {"SENTINEL2_L2A_DEMO", "GLOBAL_CLIMATE_DEMO"} <= set(ids), ids
PY
say "ok"
