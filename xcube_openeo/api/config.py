"""JSON schema of the ``OpenEO`` section of the xcube server configuration."""

from xcube.util.jsonschema import (
    JsonBooleanSchema,
    JsonIntegerSchema,
    JsonNumberSchema,
    JsonObjectSchema,
    JsonStringSchema,
)

from xcube_openeo.auth.config import ACCOUNTS_CONFIG_PROPERTIES
from xcube_openeo.security.config import SECURITY_CONFIG_SCHEMA

DEFAULT_MAX_REQUEST_BODY_SIZE = 10 * 1024 * 1024
#: Memory one synchronous request may need (estimated from its dask graph), bytes.
DEFAULT_SYNC_MAX_MEMORY = 2 * 1024**3
#: Synchronous requests needing at most this much memory may compute in-process, bytes.
DEFAULT_SYNC_LOCAL_MAX_MEMORY = 256 * 1024**2

OPENEO_CONFIG_SCHEMA = JsonObjectSchema(
    properties=dict(
        # DataDir, Database, Authentication, Files: see xcube_openeo.auth.config.
        **ACCOUNTS_CONFIG_PROPERTIES,
        Id=JsonStringSchema(description="Back-end identifier in the capabilities"),
        Security=SECURITY_CONFIG_SCHEMA,
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
        SyncTimeout=JsonNumberSchema(
            exclusive_minimum=0,
            description="Seconds a synchronous request may take (evaluation, estimation,"
            " computation, encoding) before it is cancelled with RequestTimeout"
            " (default 300).",
        ),
        SyncMaxInputValues=JsonIntegerSchema(
            minimum=1,
            description="Most values (pixels x bands x time steps, estimated from the"
            " graph) a synchronous request may read; more is refused at once with"
            " ProcessGraphComplexity (default 250000000).",
        ),
        SyncLocalMaxInputValues=JsonIntegerSchema(
            minimum=0,
            description="Synchronous requests reading at most this many values are"
            " computed in the server process (threads), larger ones on the dask cluster"
            " (default 20000000; 0: always on the cluster).",
        ),
        SyncMaxMemory=JsonIntegerSchema(
            minimum=1,
            description="Most memory in bytes a synchronous request may need, estimated"
            " from its graph before computing (the result plus the largest step's chunks"
            " per thread); more is refused with ProcessGraphComplexity"
            f" (default {DEFAULT_SYNC_MAX_MEMORY}).",
        ),
        SyncLocalMaxMemory=JsonIntegerSchema(
            minimum=0,
            description="Synchronous requests computed in the server process must also"
            " need at most this much memory in bytes (estimated), else they go to the"
            f" dask cluster (default {DEFAULT_SYNC_LOCAL_MAX_MEMORY}).",
        ),
        SyncMaxConcurrent=JsonIntegerSchema(
            minimum=1,
            description="Synchronous requests computing at once; more get"
            " InfrastructureBusy (503) with Retry-After (default 8).",
        ),
        Jobs=JsonObjectSchema(
            properties=dict(
                ResultsRoot=JsonStringSchema(
                    description="fsspec URL of the job results (default: DataDir/results);"
                    " remote dask workers need object storage they can reach."
                ),
                StorageOptions=JsonObjectSchema(additional_properties=True),
                DefaultFormat=JsonStringSchema(
                    description="Format of raster results without save_result ('GTiff')"
                ),
                MaxConcurrent=JsonIntegerSchema(minimum=1, description="Jobs running at once (2)"),
                SigningKey=JsonStringSchema(
                    description="Key of signed result URLs (default: generated once and"
                    " kept in DataDir)"
                ),
                UrlLifetime=JsonIntegerSchema(
                    minimum=60, description="Seconds signed result URLs stay valid (7 days)"
                ),
                Throughput=JsonNumberSchema(
                    exclusive_minimum=0, description="Bytes read per second, for estimates"
                ),
            ),
            additional_properties=False,
        ),
        Dask=JsonObjectSchema(
            properties=dict(
                SchedulerAddress=JsonStringSchema(
                    description="Address of an existing dask scheduler (for example"
                    " tcp://scheduler:8786); if absent a LocalCluster is started."
                ),
                Workers=JsonIntegerSchema(minimum=1, description="LocalCluster workers (1)"),
                ThreadsPerWorker=JsonIntegerSchema(minimum=1, description="Threads each (2)"),
                MemoryLimit=JsonStringSchema(description="Memory per worker ('4GiB')"),
                Processes=JsonBooleanSchema(
                    description="Workers as processes (true) or threads in the server (false)"
                ),
                Dashboard=JsonBooleanSchema(description="Start the dask dashboard (false)"),
            ),
            additional_properties=False,
        ),
        Services=JsonObjectSchema(
            properties=dict(
                TileCacheSize=JsonIntegerSchema(
                    minimum=0, description="Bytes of encoded tiles kept in memory (256 MiB)"
                ),
                TileThreads=JsonIntegerSchema(
                    minimum=1, description="Threads computing tiles at once (4)"
                ),
                TileMaxAge=JsonIntegerSchema(
                    minimum=0, description="Seconds in the tiles' Cache-Control max-age (300)"
                ),
                WebMapLibraryDir=JsonStringSchema(
                    description="Folder of the vendored Leaflet (default: var/vendor/leaflet"
                    " of the source tree, made by scripts/vendor_web.sh)"
                ),
            ),
            additional_properties=False,
        ),
        DefaultRasterFormat=JsonStringSchema(
            description="Output format of raster results of POST /result without"
            " save_result (default 'GTiff')."
        ),
        DefaultLicense=JsonStringSchema(
            description="License of collections whose dataset names none (default 'proprietary')."
        ),
    ),
    additional_properties=False,
)

CONFIG_SCHEMA = JsonObjectSchema(
    properties=dict(OpenEO=OPENEO_CONFIG_SCHEMA),
)
