"""Tables of the jobs package, for queries (the schema is made by the migrations)."""

import sqlalchemy as sa

from xcube_openeo.store.engine import UtcDateTime

metadata = sa.MetaData()

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("process", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Float),
    sa.Column("plan", sa.String(200)),
    sa.Column("budget", sa.Float),
    sa.Column("log_level", sa.String(16), nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Column("updated", UtcDateTime, nullable=False),
    sa.Column("started", UtcDateTime),
    sa.Column("finished", UtcDateTime),
    sa.Column("usage", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("results", sa.Text),
    sa.Column("run", sa.Integer, nullable=False),
    sa.Column("runner", sa.String(300)),
)

job_logs = sa.Table(
    "job_logs",
    metadata,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("time", UtcDateTime, nullable=False),
    sa.Column("data", sa.Text),
)
