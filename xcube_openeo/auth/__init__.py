"""Users and authentication: basic (configured users, access tokens) and OpenID Connect.

:class:`~xcube_openeo.auth.accounts.Accounts` is the component handlers use
(``ctx.accounts``); :class:`~xcube_openeo.auth.users.User` is who made a request.
"""

from xcube_openeo.auth.users import User

__all__ = ["User"]
