"""xcube-openeo: an openEO back-end as an xcube server plugin."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xcube-openeo")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

#: openEO API version served.
API_VERSION = "1.2.0"
#: Path under which the openEO API is mounted (below xcube's own url_prefix).
OPENEO_PREFIX = "/openeo/1.2"
