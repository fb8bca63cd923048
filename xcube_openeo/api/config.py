"""JSON schema of the ``OpenEO`` section of the xcube server configuration."""

from xcube.util.jsonschema import (
    JsonIntegerSchema,
    JsonObjectSchema,
    JsonStringSchema,
)

DEFAULT_MAX_REQUEST_BODY_SIZE = 10 * 1024 * 1024

OPENEO_CONFIG_SCHEMA = JsonObjectSchema(
    properties=dict(
        Id=JsonStringSchema(description="Back-end identifier in the capabilities"),
        Title=JsonStringSchema(),
        Description=JsonStringSchema(),
        MaxRequestBodySize=JsonIntegerSchema(
            minimum=1024,
            description="Largest request body accepted, in bytes; larger bodies are"
            " refused before they are read to the end.",
        ),
        CorsAllowOrigin=JsonStringSchema(
            description="Value of Access-Control-Allow-Origin (default '*')."
        ),
        DefaultRasterFormat=JsonStringSchema(
            description="Output format of raster results of POST /result without"
            " save_result (default 'JSON')."
        ),
        DefaultLicense=JsonStringSchema(
            description="License of collections whose dataset names none"
            " (default 'proprietary')."
        ),
    ),
    additional_properties=False,
)

CONFIG_SCHEMA = JsonObjectSchema(
    properties=dict(OpenEO=OPENEO_CONFIG_SCHEMA),
)
