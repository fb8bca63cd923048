"""Secondary web services (XYZ, WMTS) and their logs."""

import sqlalchemy as sa

from xcube_openeo.store.engine import UtcDateTime


def upgrade(conn: sa.Connection) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "services",
        metadata,
        sa.Column("service_id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        # The unguessable part of the tile URLs (stays the same across updates).
        sa.Column("url_key", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("configuration", sa.Text, nullable=False),  # JSON
        sa.Column("process", sa.Text, nullable=False),  # JSON
        sa.Column("plan", sa.String(200)),
        sa.Column("budget", sa.Float),
        sa.Column("log_level", sa.String(16), nullable=False),
        # Incremented by every update: part of tile ETags and cache keys.
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created", UtcDateTime, nullable=False),
        sa.Column("updated", UtcDateTime, nullable=False),
    )
    sa.Table(
        "service_logs",
        metadata,
        sa.Column(
            "service_id",
            sa.String(64),
            sa.ForeignKey("services.service_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("time", UtcDateTime, nullable=False),
    )
    metadata.create_all(conn)
