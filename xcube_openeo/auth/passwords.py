"""Salted, slow password hashes with scrypt (Python's standard library).

Format: ``scrypt:<log2 n>:<r>:<p>:<salt, base64>:<hash, base64>``; the parameters
travel with the hash so that they can be raised later without breaking old hashes.
(No ``$`` separators: xcube substitutes ``$NAME`` in configuration files.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "scrypt"
SEP = ":"
# n = 2**15, r = 8: 32 MiB and roughly 0.1 s per check, OWASP's recommended minimum.
LOG2_N, R, P = 15, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32


class PasswordHashInvalid(ValueError):
    pass


def hash_password(password: str, *, log2_n: int = LOG2_N) -> str:
    if not password:
        raise ValueError("The password must not be empty.")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, log2_n, R, P)
    return SEP.join([PREFIX, str(log2_n), str(R), str(P), _b64(salt), _b64(digest)])


def check_password_hash(value: object) -> None:
    """Raises :class:`PasswordHashInvalid` (with the reason) unless ``value`` is a hash."""
    _parse(value)


def verify_password(password: str, password_hash: str) -> bool:
    """True if ``password`` matches; compares in constant time."""
    log2_n, r, p, salt, expected = _parse(password_hash)
    return hmac.compare_digest(_scrypt(password, salt, log2_n, r, p), expected)


def dummy_verify(password: str) -> None:
    """Costs as much as a real check: unknown user names take as long as known ones."""
    verify_password(password, _DUMMY_HASH)


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 2**log2_n
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=2 * 128 * r * n + 1024 * 1024,
        dklen=HASH_BYTES,
    )


def _parse(value: object) -> tuple[int, int, int, bytes, bytes]:
    parts = value.split(SEP) if isinstance(value, str) else []
    if len(parts) != 6 or parts[0] != PREFIX:
        raise PasswordHashInvalid("not a scrypt hash")
    try:
        log2_n, r, p = (int(x) for x in parts[1:4])
        salt, digest = (
            base64.b64decode(parts[4], validate=True),
            base64.b64decode(parts[5], validate=True),
        )
    except ValueError:
        raise PasswordHashInvalid("malformed scrypt hash") from None
    # Refuse weak parameters: a hash made with tiny n would make brute force cheap.
    if not (
        14 <= log2_n <= 20
        and 1 <= r <= 32
        and 1 <= p <= 16
        and len(salt) >= 16
        and len(digest) >= 16
    ):
        raise PasswordHashInvalid("scrypt parameters out of the accepted range")
    return log2_n, r, p, salt, digest


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_DUMMY_HASH = SEP.join(
    [PREFIX, str(LOG2_N), str(R), str(P), _b64(b"\0" * SALT_BYTES), _b64(b"\0" * HASH_BYTES)]
)
