"""Secondary web services: XYZ and WMTS map layers computed tile by tile from process graphs.

URLs (below the openEO API root; ``{key}`` is a service's unguessable URL key, fixed
for its lifetime):

- ``/services``, ``/services/{id}``, ``/services/{id}/logs``: management (owner only);
- ``/maps/{key}/xyz/{z}/{x}/{y}``: XYZ tiles in Web Mercator (the XYZ service's url);
- ``/maps/{key}/wmts``: WMTS KVP GetCapabilities and GetTile (the WMTS service's url),
  ``/maps/{key}/wmts/1.0.0/WMTSCapabilities.xml`` and
  ``/maps/{key}/wmts/tile/{Time}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png``
  RESTful (``current`` for the latest time);
- ``/maps/{key}/legend.png``, ``/maps/{key}/tilejson.json`` and ``/maps/{key}/map.html``
  (a Leaflet page);
- ``/webmap/leaflet/...``: the vendored Leaflet (``scripts/vendor_web.sh``).

Public services answer anyone with the URL; others need the owner's token.  Result
layers of finished jobs live in :mod:`xcube_openeo.layers`.
"""
