"""What the server answers besides openEO: xcube's own APIs on the same port.

An xcube server with this plugin serves every xcube API that its configuration does not
exclude (``api_spec``), unauthenticated. Several of them can read files, stop, freeze or
alter the server. This package decides, per xcube API and route, who may call it
(:mod:`.exposure`), enforces that on every xcube route with one tornado handler class
(:mod:`.guard`), and checks the configuration at start-up (:mod:`.startup`).
"""

from xcube_openeo.security.exposure import Exposure, ExposurePolicy
from xcube_openeo.security.guard import install_guard
from xcube_openeo.security.startup import check_deployment

__all__ = ["Exposure", "ExposurePolicy", "check_deployment", "install_guard"]
