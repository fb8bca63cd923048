"""Where computations run: a dask distributed cluster shared by the whole server."""

from xcube_openeo.execution.cluster import DaskCluster, DaskSettings, get_cluster
from xcube_openeo.execution.compute import compute_result

__all__ = ["DaskCluster", "DaskSettings", "compute_result", "get_cluster"]
