"""Accounts: basic-auth access tokens and user-defined processes."""

import sqlalchemy as sa

from xcube_openeo.store.engine import UtcDateTime


def upgrade(conn: sa.Connection) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "access_tokens",
        metadata,
        # SHA-256 of the token (hex): the token itself is never stored.
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False, index=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    )
    sa.Table(
        "user_processes",
        metadata,
        sa.Column("owner", sa.String(200), primary_key=True),
        sa.Column("process_id", sa.String(200), primary_key=True),
        sa.Column("process", sa.Text, nullable=False),  # the process as JSON
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    metadata.create_all(conn)
