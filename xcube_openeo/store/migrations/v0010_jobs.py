"""Batch jobs and their logs."""

import sqlalchemy as sa

from xcube_openeo.store.engine import UtcDateTime


def upgrade(conn: sa.Connection) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "jobs",
        metadata,
        sa.Column("job_id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("title", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("process", sa.Text, nullable=False),  # the process as JSON
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("progress", sa.Float),
        sa.Column("plan", sa.String(200)),
        sa.Column("budget", sa.Float),
        sa.Column("log_level", sa.String(16), nullable=False),
        sa.Column("created", UtcDateTime, nullable=False),
        sa.Column("updated", UtcDateTime, nullable=False),
        sa.Column("started", UtcDateTime),
        sa.Column("finished", UtcDateTime),
        sa.Column("usage", sa.Text),  # JSON
        sa.Column("error", sa.Text),  # JSON: the openEO error of a failed run
        sa.Column("results", sa.Text),  # JSON: what the last run wrote
        # Which run is current (a restart increments it; a stale runner then stops)
        # and which server process runs it ("host:pid").
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("runner", sa.String(300)),
    )
    sa.Table(
        "job_logs",
        metadata,
        sa.Column(
            "job_id",
            sa.String(64),
            sa.ForeignKey("jobs.job_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("time", UtcDateTime, nullable=False),
        sa.Column("data", sa.Text),  # JSON
    )
    metadata.create_all(conn)
