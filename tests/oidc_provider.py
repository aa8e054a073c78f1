"""A loopback OpenID provider for the console's single sign-on tests: a small FastAPI app on uvicorn (a thread, a
free port on 127.0.0.1) that publishes a discovery document and a JWKS, issues one-time codes at /authorize (for
the person set in `user`, without a login form), checks the client's secret and the PKCE verifier (S256) at /token,
and signs ID tokens with a test RSA key made for the run. `misbehave` makes the next ID token wrong in one way
(expired, another audience or issuer, another nonce, signed with a key it does not publish) so the tests can check
that the console refuses each."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import uvicorn
from fastapi import FastAPI, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey
from tests.gateway_fixtures import _free_port

CLIENT_ID = "steward-console"
CLIENT_SECRET = "test-client-secret"  # the tests export it as the variable steward.yaml references


@dataclass
class Issued:
    challenge: str
    nonce: str
    redirect_uri: str
    user: dict[str, Any]
    used: bool = False


@dataclass
class Provider:
    port: int = field(default_factory=_free_port)
    host: str = "127.0.0.1"  # `localhost` makes it another site than a console on 127.0.0.1 (SameSite applies)
    interactive: bool = False  # /authorize shows a page whose link, on the provider's site, leads back
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))
    user: dict[str, Any] = field(default_factory=dict)  # the claims of whoever signs in next
    misbehave: str | None = None  # expired | audience | issuer | nonce | signature | unsigned | none
    codes: dict[str, Issued] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    def id_token(self, issued: Issued) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": issued.nonce,
            **issued.user,
        }  # fmt: skip
        key = self.key
        if self.misbehave == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        elif self.misbehave == "audience":
            claims["aud"] = "another-client"
        elif self.misbehave == "issuer":
            claims["iss"] = "https://evil.example"
        elif self.misbehave == "nonce":
            claims["nonce"] = "not-the-flows-nonce"
        elif self.misbehave == "signature":  # same kid, a key the provider never published
            key = RSAKey.generate_key(2048, parameters={"kid": key.kid})
        elif self.misbehave == "unsigned":  # alg none: header.claims. with an empty signature
            plain = [jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key).split(".")[1]]
            return base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode() + "." + plain[0] + "."
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def rotate(self) -> None:
        """Sign with a new key from now on, published in the JWKS under a new kid."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"test-{secrets.token_hex(4)}"})

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        @api.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @api.get("/authorize")
        def authorize(request: Request) -> Any:
            q = request.query_params
            if (
                q.get("response_type") != "code"
                or q.get("client_id") != CLIENT_ID
                or q.get("code_challenge_method") != "S256"
                or not q.get("code_challenge")
                or "openid" not in (q.get("scope") or "").split()
            ):
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            code = secrets.token_urlsafe(24)
            self.codes[code] = Issued(q["code_challenge"], q.get("nonce", ""), q["redirect_uri"], dict(self.user))
            where = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
            if self.interactive:  # the person clicks on the provider's own page, as after typing a password
                link = f'<a id="idp-continue" href="{html.escape(where)}">Continue</a>'
                return HTMLResponse(f"<!doctype html><title>IdP</title>{link}")
            return RedirectResponse(where, status_code=302)

        @api.post("/token")
        async def token(request: Request, authorization: str = Header("")) -> Any:
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
            grant_type, code = form.get("grant_type", ""), form.get("code", "")
            redirect_uri, code_verifier = form.get("redirect_uri", ""), form.get("code_verifier", "")
            self.token_requests.append({"code": code, "code_verifier": code_verifier})
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if authorization != expected:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            issued = self.codes.get(code)
            if grant_type != "authorization_code" or issued is None or issued.used:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            issued.used = True  # a code is redeemed once
            challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=")
            if challenge.decode() != issued.challenge or redirect_uri != issued.redirect_uri:
                return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
            body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300}
            if self.misbehave != "none":
                body["id_token"] = self.id_token(issued)
            return body

        return api


class ProviderServer:
    """`Provider` served by uvicorn on loopback while the `with` block runs."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        config = uvicorn.Config(
            provider.app(), host="127.0.0.1", port=provider.port, log_config=None, access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test OpenID provider did not start")
            time.sleep(0.02)
        return self.provider

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
