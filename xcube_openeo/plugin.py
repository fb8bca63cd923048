"""Registers the openEO API with xcube (entry point ``xcube_plugins``)."""

from xcube.constants import EXTENSION_POINT_SERVER_APIS
from xcube.util import extension


def init_plugin(ext_registry: extension.ExtensionRegistry) -> None:
    ext_registry.add_extension(
        loader=extension.import_component("xcube_openeo.api:api"),
        point=EXTENSION_POINT_SERVER_APIS,
        name="openeo",
        description="openEO API 1.2.0",
    )
