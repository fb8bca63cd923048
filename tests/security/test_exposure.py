"""The exposure policy of xcube's APIs and the start-up checks of a deployment."""

from __future__ import annotations

import logging

import pytest

from tests.security.conftest import shipped_demo_config
from tests.server import RunningServer
from xcube_openeo.security.exposure import DEFAULT_RULES, Exposure, ExposurePolicy
from xcube_openeo.security.startup import DeploymentError, check_deployment

ALL_XCUBE = [
    "openeo",
    "meta",
    "auth",
    "datasets",
    "places",
    "styles",
    "tiles",
    "ows.wmts",
    "ows.stac",
    "viewer",
    "s3",
    "expressions",
    "compute",
    "timeseries",
    "statistics",
    "volumes",
    "ows.coverages",
]


def test_every_xcube_api_of_the_installed_xcube_has_a_rule():
    from xcube.constants import EXTENSION_POINT_SERVER_APIS
    from xcube.util.plugin import get_extension_registry

    names = {e.name for e in get_extension_registry().find_extensions(EXTENSION_POINT_SERVER_APIS)}
    # A new xcube API would be admin-only until someone decides; this says it is time to.
    assert names - {"openeo"} <= set(DEFAULT_RULES), names - set(DEFAULT_RULES)


def test_dangerous_apis_are_admin_only_by_default():
    policy = ExposurePolicy.from_config({}, ALL_XCUBE)
    assert "openeo" not in policy.apis
    for name in (
        "s3",
        "expressions",
        "compute",
        "timeseries",
        "statistics",
        "volumes",
        "ows.coverages",
    ):
        assert policy.exposure(name, "/anything") is Exposure.ADMIN, name
    assert policy.exposure("tiles", "/tiles/{datasetId}/{varName}/{z}/{y}/{x}") is Exposure.PUBLIC
    assert policy.exposure("some.plugin", "/x") is Exposure.ADMIN
    assert policy.opened() == {}


def test_route_rules_cannot_be_opened():
    policy = ExposurePolicy.from_config(
        {"XcubeApis": {"meta": "public", "viewer": "public"}}, ALL_XCUBE
    )
    assert policy.exposure("meta", "/") is Exposure.PUBLIC
    assert policy.exposure("meta", "/maintenance/kill") is Exposure.ADMIN
    assert policy.exposure("viewer", "/viewer/state") is Exposure.USER


class _Records(logging.Handler):
    """The security logger's records, caught on the logger itself: xcube's server set-up
    may stop its loggers from propagating to the root logger, where caplog listens."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _Records:
        logging.getLogger("xcube.openeo.security").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("xcube.openeo.security").removeHandler(self)

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


def test_opened_apis_are_reported_loudly(tmp_path):
    policy = ExposurePolicy.from_config(
        {"XcubeApis": {"s3": "public", "timeseries": "user"}, "Admins": ["root"]}, ALL_XCUBE
    )
    assert set(policy.opened()) == {"s3", "timeseries"}
    with _Records() as records:
        check_deployment({}, policy, [tmp_path / "state"], authentication=True)
    text = records.text
    assert "'s3' is open to public callers" in text and "arbitrary file read" in text
    assert "'timeseries' is open to user callers" in text
    assert "'expressions' is served, for openEO admins only" in text


def test_guarded_routes_without_admins_are_reported(tmp_path):
    with _Records() as records:
        check_deployment(
            {},
            ExposurePolicy.from_config({}, ["meta", "s3"]),
            [tmp_path / "state"],
            authentication=False,
        )
    assert "no openEO authentication is configured" in records.text


@pytest.mark.parametrize("inside", ["dataset", "static", "viewer"])
def test_state_inside_a_served_folder_is_refused(tmp_path, inside):
    served = tmp_path / "served"
    config = {
        "dataset": {"Datasets": [{"Identifier": "D", "Path": str(served), "FileSystem": "file"}]},
        "static": {
            "static_routes": [{"path": "/static", "dir_path": "served"}],
            "base_dir": str(tmp_path),
        },
        "viewer": {"Viewer": {"Configuration": {"Path": str(served)}}},
    }[inside]
    policy = ExposurePolicy.from_config({}, [])
    with pytest.raises(DeploymentError, match="lies inside"):
        check_deployment(config, policy, [served / "state"], authentication=True)
    # Beside it (not inside), and in object storage, is fine.
    check_deployment(config, policy, [tmp_path / "state", "s3://bucket/state"], authentication=True)


def test_unset_environment_variable_in_state_is_refused():
    with pytest.raises(DeploymentError, match="unset environment variable"):
        check_deployment(
            {},
            ExposurePolicy.from_config({}, []),
            ["${XCUBE_OPENEO_STATE_DIR}"],
            authentication=True,
        )


@pytest.mark.server
@pytest.mark.server
def test_a_server_with_state_inside_a_dataset_does_not_start(security_demo_dir):
    config = shipped_demo_config(
        security_demo_dir, security_demo_dir / "SENTINEL2_L2A_DEMO.levels" / "state"
    )
    with pytest.raises(DeploymentError, match="SENTINEL2_L2A_DEMO"):
        RunningServer(config).start()
