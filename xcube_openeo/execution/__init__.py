"""Where computations run: a dask distributed cluster shared by the whole server."""

from xcube_openeo.execution.cluster import DaskCluster, get_cluster
from xcube_openeo.execution.compute import compute_result
from xcube_openeo.execution.config import DaskSettings

__all__ = ["DaskCluster", "DaskSettings", "compute_result", "get_cluster"]
