"""Throttling of failed basic logins, per user id and per client address.

Each key (a user id, a client address) has a sliding window of its recent failures.
When a key reaches its limit of failures within the window, it is locked out: every
login naming that user, or coming from that address, is refused with 429 until the
lockout ends, whatever the password, and before any password is hashed.  Each further
lockout of the same key lasts twice as long as the one before (up to a maximum); a key
that stays quiet long enough is forgotten, and with it its lockouts.

Attempts in progress count as failures until they end, so that many parallel
requests cannot slip more guesses past the limit than it allows.  A successful login
clears the user's failures (not the address's: one valid account must not let an
address guess others' passwords without limit).

Memory is bounded: at most ``max_keys`` keys per kind are tracked; beyond that the
least recently seen key is dropped.  (An attacker with very many addresses could
thus push a locked-out key out of the table; the per-address limit makes that
expensive, and the lockout is a brake on guessing, not an authorization decision.)
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xcube_openeo.auth.config import LoginThrottleSettings
from xcube_openeo.errors import OpenEOError
from xcube_openeo.settings import from_config

#: The defaults of every ``Authentication.LoginThrottle`` setting.
_DEFAULTS = LoginThrottleSettings()

#: Longer user names cannot be user ids (at most 64 characters): keyed by a digest.
_MAX_KEY_LENGTH = 64


def too_many_requests(retry_after: float, message: str) -> OpenEOError:
    # The API's error list has no code for 429: a back-end specific one.
    seconds = max(1, math.ceil(round(retry_after, 3)))
    return OpenEOError(
        "TooManyRequests",
        f"{message} Try again in {seconds} s.",
        status=429,
        headers={"Retry-After": str(seconds)},
    )


@dataclass
class _Entry:
    failures: deque[float] = field(default_factory=deque)
    pending: int = 0
    locked_until: float = 0.0
    strikes: int = 0  # lockouts in a row
    quiet_from: float = 0.0  # when the key stops being locked or counting failures


class _Counters:
    """Failures of one kind of key (user ids or addresses), least recently seen first."""

    def __init__(self, limit: int, max_keys: int):
        self.limit = limit
        self.max_keys = max_keys
        self.entries: OrderedDict[str, _Entry] = OrderedDict()

    def wait(self, key: str, now: float, window: float) -> float:
        """Seconds until ``key`` may try again; 0 if it may now."""
        entry = self.entries.get(key)
        if entry is None:
            return 0.0
        if entry.locked_until > now:
            return entry.locked_until - now
        while entry.failures and entry.failures[0] <= now - window:
            entry.failures.popleft()
        if len(entry.failures) + entry.pending >= self.limit:
            # Only attempts still in progress can fill the window (a full window of
            # failures is a lockout): they end within a password check.
            return 1.0
        return 0.0

    def get(self, key: str) -> _Entry:
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = _Entry()
            while len(self.entries) > self.max_keys:
                self.entries.popitem(last=False)
        else:
            self.entries.move_to_end(key)
        return entry

    def forget_quiet(self, now: float, forget_after: float) -> None:
        """Drops keys quiet for ``forget_after`` seconds, oldest first (amortized O(1))."""
        while self.entries:
            entry = next(iter(self.entries.values()))
            if entry.pending or now < entry.quiet_from + forget_after:
                return
            self.entries.popitem(last=False)


class LoginAttempt:
    """One login that passed the throttle: end it with exactly one of its methods."""

    def __init__(self, throttle: LoginThrottle, user: _Entry, address: _Entry, user_key: str):
        self._throttle = throttle
        self._user = user
        self._address = address
        self._user_key = user_key
        self._ended = False

    def failed(self) -> None:
        self._end(failed=True)

    def succeeded(self) -> None:
        self._end(failed=False, reset_user=True)

    def cancel(self) -> None:
        """The password was not checked (an unexpected error): counts as nothing."""
        self._end(failed=False)

    def _end(self, failed: bool, reset_user: bool = False) -> None:
        t = self._throttle
        with t._lock:
            if self._ended:
                return
            self._ended = True
            now = t._clock()
            for counters, entry in ((t._users, self._user), (t._addresses, self._address)):
                entry.pending = max(0, entry.pending - 1)
                if failed:
                    t._record_failure(counters, entry, now)
            if reset_user and t._users.entries.get(self._user_key) is self._user:
                del t._users.entries[self._user_key]


class LoginThrottle:
    """Thread-safe counters of failed logins with lockouts; see the module's docstring."""

    def __init__(
        self,
        user_failures: int = _DEFAULTS.user_failures,
        address_failures: int = _DEFAULTS.address_failures,
        window: float = _DEFAULTS.window,
        lockout: float = _DEFAULTS.lockout,
        max_lockout: float = _DEFAULTS.max_lockout,
        max_tracked_keys: int = _DEFAULTS.max_tracked_keys,
        clock: Callable[[], float] = time.monotonic,
    ):
        if min(user_failures, address_failures, max_tracked_keys) < 1:
            raise ValueError("Failure limits and the number of tracked keys must be at least 1.")
        self.window = float(window)
        self.lockout = float(lockout)
        self.max_lockout = max(float(max_lockout), self.lockout)
        self._users = _Counters(user_failures, max_tracked_keys)
        self._addresses = _Counters(address_failures, max_tracked_keys)
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> LoginThrottle:
        return cls.from_settings(from_config(LoginThrottleSettings, config))

    @classmethod
    def from_settings(cls, settings: LoginThrottleSettings) -> LoginThrottle:
        return cls(
            user_failures=settings.user_failures,
            address_failures=settings.address_failures,
            window=settings.window,
            lockout=settings.lockout,
            max_lockout=settings.max_lockout,
            max_tracked_keys=settings.max_tracked_keys,
        )

    def attempt(self, user_id: str, address: str) -> LoginAttempt:
        """Admits one login attempt, or raises ``TooManyRequests`` (429, ``Retry-After``).

        Cheap (no hashing): call it before checking the password.
        """
        user_key = _key(user_id)
        address_key = _key(address)
        with self._lock:
            now = self._clock()
            forget_after = self.window + self.max_lockout
            self._users.forget_quiet(now, forget_after)
            self._addresses.forget_quiet(now, forget_after)
            wait = max(
                self._users.wait(user_key, now, self.window),
                self._addresses.wait(address_key, now, self.window),
            )
            if wait > 0:
                raise too_many_requests(
                    wait, "Too many failed logins for this user or from this address."
                )
            user, addr = self._users.get(user_key), self._addresses.get(address_key)
            for entry in (user, addr):
                entry.pending += 1
                entry.quiet_from = max(entry.quiet_from, now)
            return LoginAttempt(self, user, addr, user_key)

    def tracked_keys(self) -> int:
        """Keys held in memory (users and addresses): bounded by twice ``max_tracked_keys``."""
        with self._lock:
            return len(self._users.entries) + len(self._addresses.entries)

    def _record_failure(self, counters: _Counters, entry: _Entry, now: float) -> None:
        entry.failures.append(now)
        while entry.failures and entry.failures[0] <= now - self.window:
            entry.failures.popleft()
        entry.quiet_from = max(entry.quiet_from, now + self.window)
        if len(entry.failures) >= counters.limit:
            entry.strikes += 1
            duration = min(self.lockout * 2 ** min(entry.strikes - 1, 32), self.max_lockout)
            entry.locked_until = now + duration
            entry.quiet_from = max(entry.quiet_from, entry.locked_until)
            entry.failures.clear()


def _key(value: str) -> str:
    if len(value) <= _MAX_KEY_LENGTH:
        return value
    return "#" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


# --- client addresses ----------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    """``Authentication.TrustedProxies``: addresses or networks (CIDR); ValueError if invalid."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"Authentication.TrustedProxies: {value!r} is no IP address or network."
            ) from None
    return networks


def client_address(
    remote_ip: str | None, forwarded_for: Iterable[str], trusted_proxies: Iterable[Network]
) -> str:
    """The address a request comes from, for throttling.

    The peer's address, unless the peer is a trusted proxy: then ``X-Forwarded-For``
    is read from its end (the hop the proxy added), skipping trusted proxies; the first
    untrusted hop is the client.  Without trusted proxies the header is ignored: any
    client could write it.
    """
    peer = remote_ip or "unknown"
    trusted = list(trusted_proxies)
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    current = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return current  # not an address: blame the hop that handed it over
        current = hop
        if not _is_trusted(hop, trusted):
            return hop
    return current


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
