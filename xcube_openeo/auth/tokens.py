"""Access tokens of basic-auth users: random, stored only as a hash, expiring."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from xcube_openeo.store import Store
from xcube_openeo.store.engine import utcnow
from xcube_openeo.store.tables import access_tokens

#: 32 random bytes: 256 bits, far beyond guessing.
TOKEN_BYTES = 32


def _digest(token: str) -> str:
    # A plain SHA-256 suffices: the token has 256 bits of entropy, unlike a password.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class BasicTokens:
    def __init__(self, store: Store, lifetime: dt.timedelta):
        self.store = store
        self.lifetime = lifetime

    def issue(self, user_id: str) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = utcnow()
        with self.store.write() as conn:
            # Housekeeping on the way: expired tokens are of no use to anyone.
            conn.execute(access_tokens.delete().where(access_tokens.c.expires_at < now))
            conn.execute(
                access_tokens.insert().values(
                    token_hash=_digest(token),
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + self.lifetime,
                )
            )
        return token

    def user_id_of(self, token: str) -> str | None:
        """The owner of a valid, unexpired token; None otherwise."""
        if not token or len(token) > 512:
            return None
        with self.store.read() as conn:
            row = conn.execute(
                sa.select(access_tokens.c.user_id, access_tokens.c.expires_at).where(
                    access_tokens.c.token_hash == _digest(token)
                )
            ).first()
        if row is None or row.expires_at <= utcnow():
            return None
        return row.user_id
