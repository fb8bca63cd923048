"""Configuration schema of accounts, store and files (keys of the ``OpenEO`` section)."""

from xcube.util.jsonschema import (
    JsonArraySchema,
    JsonIntegerSchema,
    JsonNumberSchema,
    JsonObjectSchema,
    JsonStringSchema,
)

DEFAULT_MAX_FILE_SIZE = 1024**3
DEFAULT_QUOTA = 10 * 1024**3

_USER = JsonObjectSchema(
    properties=dict(
        Id=JsonStringSchema(pattern=r"^\w{1,64}$", description="User id (letters, digits, _)."),
        Name=JsonStringSchema(),
        Password=JsonStringSchema(
            description="scrypt hash of the password (`xcube-openeo hash-password`);"
            " plain passwords are refused."
        ),
        Quota=JsonIntegerSchema(minimum=0, description="Storage quota in bytes."),
        Budget=JsonNumberSchema(),
        Plan=JsonStringSchema(),
    ),
    required=["Id", "Password"],
    additional_properties=False,
)

#: The grant types the openEO API allows for default clients.
GRANT_TYPES = [
    "implicit",
    "authorization_code",
    "authorization_code+pkce",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:device_code+pkce",
    "refresh_token",
]

_OIDC_CLIENT = JsonObjectSchema(
    properties=dict(
        Id=JsonStringSchema(),
        GrantTypes=JsonArraySchema(items=JsonStringSchema(enum=GRANT_TYPES)),
        RedirectUrls=JsonArraySchema(items=JsonStringSchema()),
    ),
    required=["Id", "GrantTypes"],
    additional_properties=False,
)

_OIDC_PROVIDER = JsonObjectSchema(
    properties=dict(
        Id=JsonStringSchema(pattern=r"^\w+$"),
        Issuer=JsonStringSchema(
            description="Issuer URL; its /.well-known/openid-configuration is used."
        ),
        Title=JsonStringSchema(),
        Description=JsonStringSchema(),
        Scopes=JsonArraySchema(items=JsonStringSchema()),
        DefaultClients=JsonArraySchema(items=_OIDC_CLIENT),
        Audience=JsonStringSchema(description="Required 'aud' of access tokens."),
        Algorithms=JsonArraySchema(
            items=JsonStringSchema(), description="Accepted JWT algorithms (asymmetric only)."
        ),
        ClockSkew=JsonNumberSchema(minimum=0, description="Seconds of clock skew allowed (60)."),
        UserinfoCacheSeconds=JsonNumberSchema(
            minimum=0, maximum=900, description="How long userinfo answers are reused (300)."
        ),
        JwksRefreshInterval=JsonNumberSchema(
            minimum=0, description="Least seconds between key set downloads (60)."
        ),
    ),
    required=["Id", "Issuer"],
    additional_properties=False,
)

LOGIN_THROTTLE_SCHEMA = JsonObjectSchema(
    description="Throttling of failed basic logins (auth/throttle.py), checked before any"
    " password is hashed; throttled logins get 429 TooManyRequests with Retry-After.",
    properties=dict(
        UserFailures=JsonIntegerSchema(
            minimum=1, description="Failed logins per user id within Window before a lockout (5)."
        ),
        AddressFailures=JsonIntegerSchema(
            minimum=1,
            description="Failed logins per client address within Window before a lockout (20).",
        ),
        Window=JsonNumberSchema(minimum=1, description="Seconds failures are counted (60)."),
        Lockout=JsonNumberSchema(
            minimum=1,
            description="Seconds of the first lockout (60); each further lockout of"
            " the same user or address lasts twice as long.",
        ),
        MaxLockout=JsonNumberSchema(minimum=1, description="Longest lockout in seconds (900)."),
        MaxTrackedKeys=JsonIntegerSchema(
            minimum=1, description="User ids and addresses tracked each (10000): bounded memory."
        ),
        MaxQueued=JsonIntegerSchema(
            minimum=1,
            description="Logins waiting for their password check at once (64); more"
            " get 503 InfrastructureBusy.",
        ),
    ),
    additional_properties=False,
)

AUTHENTICATION_SCHEMA = JsonObjectSchema(
    properties=dict(
        Users=JsonArraySchema(items=_USER),
        UsersFile=JsonStringSchema(description="YAML file with more users (a list like Users)."),
        BasicTokenLifetime=JsonIntegerSchema(minimum=60, description="Seconds (86400)."),
        OidcProviders=JsonArraySchema(items=_OIDC_PROVIDER),
        HttpTimeout=JsonNumberSchema(
            minimum=0.1, description="Timeout of calls to OIDC providers in seconds (5)."
        ),
        LoginThrottle=LOGIN_THROTTLE_SCHEMA,
        TrustedProxies=JsonArraySchema(
            items=JsonStringSchema(),
            description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For"
            " names the client (default none: the header is ignored).",
        ),
    ),
    additional_properties=False,
)

FILES_SCHEMA = JsonObjectSchema(
    properties=dict(
        Root=JsonStringSchema(description="fsspec URL of the user files (<DataDir>/files)."),
        StorageOptions=JsonObjectSchema(additional_properties=True),
        MaxFileSize=JsonIntegerSchema(minimum=1, description="Bytes per file (1 GiB)."),
        DefaultQuota=JsonIntegerSchema(minimum=0, description="Bytes per user (10 GiB)."),
    ),
    additional_properties=False,
)

#: Merged into the ``OpenEO`` section's properties by ``xcube_openeo.api.config``.
ACCOUNTS_CONFIG_PROPERTIES = dict(
    DataDir=JsonStringSchema(
        description="Folder of the back-end's state: database, user files"
        " (default $XDG_DATA_HOME/xcube-openeo)."
    ),
    Database=JsonStringSchema(
        description="SQLAlchemy database URL (default: SQLite file <DataDir>/openeo.sqlite);"
        " postgresql+psycopg://... for several server instances."
    ),
    Authentication=AUTHENTICATION_SCHEMA,
    Files=FILES_SCHEMA,
)
