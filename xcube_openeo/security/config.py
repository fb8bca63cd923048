"""JSON schema of ``OpenEO.Security``: who may call xcube's own APIs."""

from xcube.util.jsonschema import JsonArraySchema, JsonObjectSchema, JsonStringSchema

from xcube_openeo.security.exposure import Exposure

SECURITY_CONFIG_SCHEMA = JsonObjectSchema(
    properties=dict(
        XcubeApis=JsonObjectSchema(
            additional_properties=JsonStringSchema(enum=[e.value for e in Exposure]),
            description="Exposure of xcube APIs by name (public, user: any openEO user,"
            " admin: users in Admins), overriding the defaults of xcube_openeo.security."
            " Better: exclude unneeded APIs with the server's api_spec.excludes.",
        ),
        Admins=JsonArraySchema(
            items=JsonStringSchema(min_length=1),
            description="openEO user ids who may call admin routes (xcube's /maintenance).",
        ),
    ),
    additional_properties=False,
)
