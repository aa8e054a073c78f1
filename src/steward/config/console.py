"""The `console:` section of steward.yaml: optional single sign-on to the web console with OpenID Connect.

```yaml
console:
  oidc:
    issuer: https://login.example.com/realms/steward   # discovery: ISSUER/.well-known/openid-configuration
    client_id: steward-console
    client_secret: $env:STEWARD_OIDC_SECRET            # referenced, never stored; leave out for a public client
    groups_claim: groups                               # the ID token claim that lists the person's groups
    roles: {steward-admins: admin, risk-office: auditor}
    teams: {steward-admins: default, risk-office: default}
```

A person is let in only when their groups map to a role (the most privileged one when several do) and to exactly
one team; `roles` name the roles that may sign in to the console (admin, developer, auditor). The issuer is https,
or http on a loopback address (a provider on the same machine, as in the tests).
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_PREFIX = "$env:"
ConsoleRole = Literal["admin", "developer", "auditor"]
LOOPBACK_NAMES = ("localhost",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{what} must be an absolute URL (https://…)")
    if parts.scheme == "http" and not loopback(parts.hostname):
        raise ValueError(f"{what} must use https (plain http is accepted on a loopback address only)")
    if parts.query or parts.fragment:
        raise ValueError(f"{what} takes no query or fragment")
    return value


class OidcSpec(_Strict):
    """One OpenID provider the console signs people in with (authorization code flow with PKCE)."""

    issuer: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    client_secret: str | None = None  # `$env:NAME`; None: a public client (PKCE alone)
    groups_claim: str = Field("groups", min_length=1)
    roles: dict[str, ConsoleRole] = Field(min_length=1)
    teams: dict[str, str] = Field(min_length=1)
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    redirect_uri: str | None = None  # default: this server's /ui/sign-in/sso/callback as the browser reached it
    label: str = Field("single sign-on", min_length=1, max_length=60)  # the sign-in button says "Sign in with …"

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        return _url(value, "the issuer")

    @field_validator("redirect_uri")
    @classmethod
    def _redirect(cls, value: str | None) -> str | None:
        if value is not None:
            _url(value, "redirect_uri")
            if not urlsplit(value).path.endswith("/ui/sign-in/sso/callback"):
                raise ValueError("redirect_uri must end in /ui/sign-in/sso/callback, the console's callback")
        return value

    @field_validator("client_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith(ENV_PREFIX) or len(value) <= len(ENV_PREFIX)):
            raise ValueError("secrets are referenced, never stored: write `$env:NAME` and export NAME")
        return value

    @field_validator("teams")
    @classmethod
    def _teams(cls, value: dict[str, str]) -> dict[str, str]:
        for group, team in value.items():
            if not team.strip():
                raise ValueError(f"group {group!r} maps to an empty team name")
        return value

    @model_validator(mode="after")
    def _openid(self) -> OidcSpec:
        if "openid" not in self.scopes:
            raise ValueError("scopes must include `openid` (without it the provider issues no ID token)")
        return self


class ConsoleSpec(_Strict):
    oidc: OidcSpec | None = None
