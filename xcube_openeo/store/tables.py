"""Tables of the accounts packages, for queries (the schema is made by migrations)."""

import sqlalchemy as sa

from xcube_openeo.store.engine import UtcDateTime

metadata = sa.MetaData()

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

user_processes = sa.Table(
    "user_processes",
    metadata,
    sa.Column("owner", sa.String(200), primary_key=True),
    sa.Column("process_id", sa.String(200), primary_key=True),
    sa.Column("process", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
