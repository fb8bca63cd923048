"""Tables of the services package, for queries (the schema is made by the migrations)."""

import sqlalchemy as sa

from xcube_openeo.store.engine import UtcDateTime

metadata = sa.MetaData()

services = sa.Table(
    "services",
    metadata,
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("url_key", sa.String(64), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("configuration", sa.Text, nullable=False),
    sa.Column("process", sa.Text, nullable=False),
    sa.Column("plan", sa.String(200)),
    sa.Column("budget", sa.Float),
    sa.Column("log_level", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Column("updated", UtcDateTime, nullable=False),
)

service_logs = sa.Table(
    "service_logs",
    metadata,
    sa.Column("service_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("time", UtcDateTime, nullable=False),
)
