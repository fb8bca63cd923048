"""The openeo Python client against a real server."""

from __future__ import annotations

import openeo


def test_client_connects_through_well_known(server):
    # The client is given the host root and discovers the API through /.well-known/openeo.
    connection = openeo.connect(server.url, auto_validate=False)
    assert connection.root_url.rstrip("/") == server.url + "/openeo/1.2"
    assert connection.capabilities().api_version() == "1.2.0"
    assert set(connection.list_collection_ids()) == {"S2_SMALL", "GLOBAL_SMALL"}


def test_client_describes_a_collection(server):
    connection = openeo.connect(server.url, auto_validate=False)
    collection = connection.describe_collection("S2_SMALL")
    assert collection["id"] == "S2_SMALL"
    assert collection["cube:dimensions"]["bands"]["values"] == ["B02", "B04", "B08"]
    metadata = connection.collection_metadata("S2_SMALL")
    assert metadata.band_names == ["B02", "B04", "B08"]
    assert [b.common_name for b in metadata.bands] == ["blue", "red", "nir"]
    assert metadata.has_temporal_dimension()
    cube = connection.load_collection("S2_SMALL", bands=["B04", "B08"])
    assert cube.metadata.band_names == ["B04", "B08"]


def test_client_lists_processes(server):
    from xcube_openeo.processes import REGISTRY

    connection = openeo.connect(server.url, auto_validate=False)
    processes = connection.list_processes()
    assert {p["id"] for p in processes} == set(REGISTRY)
    if processes:
        pid = processes[0]["id"]
        assert connection.describe_process(pid)["id"] == pid
