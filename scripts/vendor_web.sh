#!/usr/bin/env bash
# Vendors the web map library (Leaflet) from the npm registry into var/vendor/leaflet
# (git-ignored), for the web map pages of the services.  Run at set-up time: the
# server never loads scripts from a CDN.  Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${LEAFLET_VERSION:-1.9.4}
DEST=var/vendor/leaflet
if [ -f "$DEST/leaflet.js" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "leaflet@$VERSION" >/dev/null)
tar -xzf "$TMP"/leaflet-"$VERSION".tgz -C "$TMP"
rm -rf "$DEST"
mkdir -p "$DEST"
cp -r "$TMP"/package/dist/. "$DEST"/
cp "$TMP"/package/LICENSE "$DEST"/LICENSE
echo "$VERSION" > "$DEST/VERSION"
