"""A small OpenID Connect issuer on 127.0.0.1 for the tests.

Discovery document, JWKS, a client-credentials token endpoint and a userinfo
endpoint; tokens are signed with a freshly generated RSA key.  Helpers mint tokens
with any claims, header or key, for the negative tests.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _alg(key: Any) -> str:
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def _pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class OidcIssuer:
    def __init__(self, audience: str = "openeo-test") -> None:
        self.audience = audience
        self.keys: dict[str, Any] = {}
        self.current_kid = self.add_key()
        self.clients = {"test-client": "test-secret"}
        self.opaque_tokens: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- keys and tokens --------------------------------------------------------------

    def add_key(self, publish: bool = True, elliptic: bool = False) -> str:
        kid = secrets.token_hex(8)
        key = ec.generate_private_key(ec.SECP256R1()) if elliptic else _new_rsa_key()
        self.keys[kid] = key
        if not publish:
            self.unpublished = getattr(self, "unpublished", set()) | {kid}
        return kid

    def jwks(self) -> dict[str, Any]:
        hidden = getattr(self, "unpublished", set())
        keys = []
        for kid, key in self.keys.items():
            if kid in hidden:
                continue
            doc = jwk.construct(public_pem(key), _alg(key)).to_dict()
            doc.update(kid=kid, use="sig", alg=_alg(key))
            keys.append(doc)
        return {"keys": keys}

    def claims(self, sub: str = "user-1", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": sub,
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "name": f"Test user {sub}",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self,
        claims: dict[str, Any] | None = None,
        kid: str | None = None,
        alg: str | None = None,
        key: Any = None,
    ) -> str:
        kid = kid or self.current_kid
        alg = alg or _alg(self.keys[kid])
        signing_key = key if key is not None else _pem(self.keys[kid])
        return jwt.encode(claims or self.claims(), signing_key, algorithm=alg, headers={"kid": kid})

    def unsigned_token(self, claims: dict[str, Any] | None = None) -> str:
        header = {"alg": "none", "typ": "JWT", "kid": self.current_kid}
        return (
            ".".join(
                [
                    b64url(json.dumps(header).encode()),
                    b64url(json.dumps(claims or self.claims()).encode()),
                    "",
                ]
            )
            + "x"
        )

    def opaque_token(self, sub: str) -> str:
        token = secrets.token_hex(20)
        self.opaque_tokens[token] = {"sub": sub, "name": f"Opaque {sub}"}
        return token

    # --- HTTP --------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/jwks",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "authorization_endpoint": f"{self.url}/authorize",
            "grant_types_supported": ["client_credentials"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, doc: Any) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                issuer.requests.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    self._json(200, issuer.discovery())
                elif self.path == "/jwks":
                    self._json(200, issuer.jwks())
                elif self.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    claims = issuer.opaque_tokens.get(token)
                    self._json(200 if claims else 401, claims or {"error": "invalid_token"})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                issuer.requests.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                client_id = form.get("client_id", [None])[0]
                secret = form.get("client_secret", [None])[0]
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    decoded = base64.b64decode(auth[6:]).decode()
                    client_id, _, secret = decoded.partition(":")
                    client_id, secret = (
                        urllib.parse.unquote(client_id),
                        urllib.parse.unquote(secret),
                    )
                if self.path != "/token" or form.get("grant_type") != ["client_credentials"]:
                    self._json(400, {"error": "unsupported_grant_type"})
                elif issuer.clients.get(client_id) != secret:
                    self._json(401, {"error": "invalid_client"})
                else:
                    token = issuer.token(issuer.claims(sub=f"service-{client_id}"))
                    self._json(
                        200, {"access_token": token, "token_type": "Bearer", "expires_in": 300}
                    )

        return Handler

    def start(self) -> OidcIssuer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
