"""Registers the openEO API with xcube (entry point ``xcube_plugins``)."""

import warnings

from xcube.constants import EXTENSION_POINT_SERVER_APIS
from xcube.util import extension


def init_plugin(ext_registry: extension.ExtensionRegistry) -> None:
    # openEO asks for IEEE results (inf, NaN) where numpy warns: the warnings are noise.
    warnings.filterwarnings(
        "ignore", r"(invalid value|divide by zero|overflow) encountered", RuntimeWarning
    )
    ext_registry.add_extension(
        loader=extension.import_component("xcube_openeo.api:api"),
        point=EXTENSION_POINT_SERVER_APIS,
        name="openeo",
        description="openEO API 1.2.0",
    )
