"""OpenID Connect for the console's single sign-on: the provider's side of the authorization code flow with PKCE.

`Provider` reads the provider's discovery document (`ISSUER/.well-known/openid-configuration`, whose `issuer` must
be the configured one) and its JWKS on first use and keeps them, builds the authorization request (S256 code
challenge, state, nonce) and exchanges a code for tokens with Authlib's OAuth 2 client, then verifies the ID token
with joserfc: its signature against the provider's keys (an asymmetric algorithm only; an unknown `kid` fetches the
JWKS again, as after the provider rotated its keys: ID tokens come only from the token endpoint, for a code the
provider issued, so nobody else can make us fetch), `iss`, `aud` (and `azp` when there are several audiences),
`exp`, `iat` and the flow's `nonce`. `identity` maps the groups claim to a Steward role and team
(`steward.config.console`), and a verified e-mail (`email_verified: true`) to the person the user is: approvals
and two-person reviews count them once with the keys that person owns. Every refusal is a `SignInRefused` whose
message a person can act on; nothing secret (code, tokens) is put in one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption

from steward.config.console import OidcSpec
from steward.config.schema import SecretRef
from steward.errors import ConfigError, InvalidRequest
from steward.governance.identity import SSO
from steward.store import owner_address
from steward.types import Principal

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
LEEWAY_S = 60  # clock skew allowed on exp and iat
TIMEOUT_S = 10.0
RANK = {"auditor": 0, "developer": 1, "admin": 2}  # several mapped roles: the most privileged one
MAX_SUBJECT = 255


class SignInRefused(Exception):
    """A single sign-on that must not become a session; `status` is the page's HTTP status."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Metadata:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class Provider:
    """One configured OpenID provider, its metadata and keys fetched on first use."""

    def __init__(self, spec: OidcSpec, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.spec = spec
        self.transport = transport
        self._metadata: Metadata | None = None
        self._keys: KeySet | None = None
        self._lock = asyncio.Lock()

    def _client(self, redirect_uri: str | None = None) -> AsyncOAuth2Client:
        try:  # read at each use, so a rotated secret needs no restart; gone, it refuses the sign-in, not a 500
            secret = SecretRef(self.spec.client_secret).resolve() if self.spec.client_secret else None
        except ConfigError as exc:
            log.error("single sign-on: %s", exc)
            raise SignInRefused(
                "single sign-on is not configured on this server (its client secret is missing); sign in with an "
                "API key, and ask an administrator to set the secret.",
                status=503,
            ) from None
        return AsyncOAuth2Client(
            client_id=self.spec.client_id,
            client_secret=secret,
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            scope=" ".join(self.spec.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=TIMEOUT_S,
            transport=self.transport,
        )

    async def _get(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S, transport=self.transport) as http:
                response = await http.get(url, headers={"accept": "application/json"})
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInRefused(
                f"the sign-in provider's {what} could not be read ({type(exc).__name__}); try again, or sign in "
                "with an API key.",
                status=502,
            ) from None
        if not isinstance(body, dict):
            raise SignInRefused(f"the sign-in provider's {what} is not a JSON object.", status=502)
        return body

    async def metadata(self) -> Metadata:
        if self._metadata is None:
            issuer = self.spec.issuer
            found = await self._get(issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery document")
            if found.get("issuer") != issuer:
                raise SignInRefused(
                    f"the provider's discovery document names issuer {str(found.get('issuer'))[:200]!r}, not the "
                    f"configured {issuer!r}; fix console.oidc.issuer in steward.yaml.",
                    status=502,
                )
            try:
                self._metadata = Metadata(
                    str(found["authorization_endpoint"]), str(found["token_endpoint"]), str(found["jwks_uri"])
                )
            except KeyError as missing:
                raise SignInRefused(f"the provider's discovery document has no {missing}.", status=502) from None
        return self._metadata

    async def _key_set(self, refresh: bool = False) -> KeySet:
        async with self._lock:
            if self._keys is None or refresh:
                body = await self._get((await self.metadata()).jwks_uri, "signing keys (JWKS)")
                try:
                    self._keys = KeySet.import_key_set(body)  # type: ignore[arg-type]
                except (JoseError, ValueError, KeyError, TypeError):
                    raise SignInRefused(
                        "the provider's signing keys (JWKS) could not be read.", status=502
                    ) from None
            return self._keys

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        """Where the browser goes to sign in: the code flow with an S256 challenge of `verifier`."""
        endpoint = (await self.metadata()).authorization_endpoint
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(endpoint, state=state, code_verifier=verifier, nonce=nonce)
        return str(url)

    async def redeem(self, code: str, redirect_uri: str, verifier: str, nonce: str) -> dict[str, Any]:
        """The verified claims of the ID token the provider issues for `code` (with the PKCE `verifier`)."""
        endpoint = (await self.metadata()).token_endpoint
        try:
            async with self._client(redirect_uri) as client:
                token = await client.fetch_token(endpoint, code=code, code_verifier=verifier)
        except AuthlibBaseError as exc:
            raise SignInRefused(
                f"the sign-in provider refused the sign-in ({exc.error or 'error'}); sign in again.", status=401
            ) from None
        except httpx.HTTPError as exc:
            raise SignInRefused(
                f"the sign-in provider could not be reached ({type(exc).__name__}); try again.", status=502
            ) from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("the sign-in provider sent no ID token; check that the scopes include openid.")
        return await self.verify(id_token, nonce)

    async def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, times and nonce are checked."""
        try:
            try:
                decoded = jwt.decode(id_token, await self._key_set(), algorithms=list(ALGORITHMS))
            except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
                decoded = jwt.decode(id_token, await self._key_set(refresh=True), algorithms=list(ALGORITHMS))
        except (JoseError, ValueError) as exc:
            raise _refused(exc) from None
        claims = dict(decoded.claims)
        required: ClaimsOption = {"essential": True}
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_S,
            iss={"essential": True, "value": self.spec.issuer},
            aud={"essential": True, "value": self.spec.client_id},
            sub=required,
            exp=required,
            iat=required,
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise _refused(exc) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.spec.client_id:
            raise SignInRefused("the ID token was issued to another client (azp); sign in again.")
        return claims

    def identity(self, claims: dict[str, Any]) -> Principal:
        """The Steward identity the claims map to: a role and one team from the groups claim, else refused."""
        subject = claims["sub"]
        if not subject or len(subject) > MAX_SUBJECT or not subject.isprintable() or " (" in subject:
            raise SignInRefused("the ID token's subject is not a usable identifier.")
        raw = claims.get(self.spec.groups_claim, [])
        listed = raw if isinstance(raw, list) else [raw]
        groups = [g for g in listed if isinstance(g, str)]
        roles = {self.spec.roles[g] for g in groups if g in self.spec.roles}
        teams = sorted({self.spec.teams[g] for g in groups if g in self.spec.teams})
        if not roles:
            raise SignInRefused(
                "your sign-in worked, but none of your groups is given a console role; ask an admin to map one of "
                f"them under console.oidc.roles (claim `{self.spec.groups_claim}`).",
                status=403,
            )
        if len(teams) != 1:
            said = "to no team" if not teams else f"to {len(teams)} teams ({', '.join(teams)})"
            raise SignInRefused(
                f"your groups map {said}; a console session acts for exactly one team, so ask an admin to fix "
                "console.oidc.teams.",
                status=403,
            )
        role = max(roles, key=RANK.__getitem__)
        name = next(
            (str(claims[c]) for c in ("email", "preferred_username", "name") if isinstance(claims.get(c), str)),
            None,
        )
        return Principal(
            key_id=f"{SSO}{subject}",
            role=role,
            team=teams[0],
            groups=(teams[0],),
            name=name,
            person=_person(claims),
        )


def _person(claims: dict[str, Any]) -> str | None:
    """The person the SSO user is for approvals and two-person reviews: their e-mail, only when the provider says
    it verified it (`email_verified: true`), since the same e-mail on a key's owner makes them one approver; else
    None (the SSO subject counts as itself)."""
    email = claims.get("email")
    if claims.get("email_verified") is not True or not isinstance(email, str):
        return None
    try:
        return owner_address(email)
    except InvalidRequest:
        return None


def _refused(exc: Exception) -> SignInRefused:
    reason = getattr(exc, "description", None) or getattr(exc, "error", None) or type(exc).__name__
    return SignInRefused(f"the ID token was not accepted ({str(reason)[:120]}); sign in again.")
