"""Who acts on governance, what they may read and change, and who may approve.

An `Actor` is an API key (`key:<id>`, with the key's role and team), a person signed in to the console through
single sign-on (`oidc:<subject>`, with the role and team their provider's groups map to; `steward.config.console`),
or the local operator
(`user:<login>`): whoever runs the CLI on the machine that holds the database, named by the operating system's
account of the process (never by a name typed on the command line, which nobody checks). A local operator
may read every team, exactly as it could with `sqlite3`; a key sees only its own team. Roles: `admin` and
`developer` change things, `auditor` reads everything of its team and changes nothing, `app` keys call apps
and nothing else, and `metrics` keys scrape `/metrics` (which spans teams, hence its own role, whose creation
is audited) and read nothing else.

Approving is a separate capability, held in the `approvers` table per team rather than as a key role or flag,
because (1) approval is a human act, given to a person's own key; (2) granting and revoking it must be a
governance event in the audit chain, which a column on `api_keys` (the spine's table) would not be; (3) the
four-eyes rule compares identities, so only authenticated ones count: approvals are made with keys or a single
sign-on session, because one shell is one OS account however many names it types. Only admins grant it,
and only to identities whose role may change things (an auditor approving would no longer be read-only).

The four-eyes rule counts people, not credentials: a key may name its `owner` (an e-mail address) and an SSO
session carries its user's verified e-mail, and every identity with the same one is that one person
(`Actor.person`, `Actor.counted_as`): two keys of alice, or alice's key and her SSO session, are one approver and
one reviewer. A key without an owner, or an SSO user whose provider did not verify the e-mail, counts as itself.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from typing import Any

from steward.errors import InvalidRequest, PermissionDenied
from steward.types import KeyRole, Principal

CHANGING_ROLES: tuple[str, ...] = ("admin", "developer")
SSO = "oidc:"  # a `Principal.key_id` (and actor id) of this prefix names a person signed in through OpenID Connect


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone acting on governance: an API key or a named local operator."""

    id: str  # `key:<key id>`, `oidc:<subject>`, `user:<name>` or `system:<job>`
    role: KeyRole
    team: str | None = None  # None: a local operator or system job, who may act on every team
    name: str | None = None
    person: str | None = None  # the person behind a key (its owner) or an SSO session (verified e-mail)

    @classmethod
    def user(cls, name: str | None = None, role: KeyRole = "admin") -> Actor:
        """A local operator; `name` defaults to the OS account running the command (library callers and tests
        may name one; the CLI never takes a name from the command line)."""
        chosen = (name or _login()).strip()
        if not chosen or any(ch.isspace() for ch in chosen) or ":" in chosen:
            raise InvalidRequest(
                f"{name!r} is not a user name; use one word without spaces or colons, e.g. alice."
            )
        return cls(id=f"user:{chosen}", role=role, team=None, name=chosen)

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(id=f"system:{job}", role="admin", team=None, name=job)

    @classmethod
    def from_key(cls, info: Any) -> Actor:
        """The actor an API key (`steward.store.KeyInfo`) authenticates."""
        return cls(id=f"key:{info.id}", role=info.role, team=info.team, name=info.name, person=info.owner)

    @classmethod
    def from_principal(cls, principal: Principal) -> Actor:
        if principal.key_id is None:
            return cls.user(None if principal.name in (None, "local operator") else principal.name, principal.role)
        who = (
            principal.key_id if principal.key_id.startswith(SSO) else f"key:{principal.key_id}"
        )  # SSO: never a key
        return cls(id=who, role=principal.role, team=principal.team, name=principal.name, person=principal.person)

    @property
    def authenticated_by_key(self) -> bool:
        """Whether a secret proved this identity (an API key)."""
        return self.id.startswith("key:")

    @property
    def proven(self) -> bool:
        """Whether a credential proved this identity, as approvals require: an API key, or a single sign-on
        session (an ID token the provider signed); never a typed or OS account name."""
        return self.id.startswith(("key:", SSO))

    @property
    def counted_as(self) -> str:
        """Whom the four-eyes rule counts: `person:<e-mail>` when a person is known, else the identity itself."""
        return person_id(self.person) if self.person else self.id

    @property
    def label(self) -> str:
        """How the actor is shown: `user:alice`, `key:key_ab12… (ci-bot)`, `oidc:24828976 (jane@example.com)`."""
        return f"{self.id} ({self.name})" if self.id.startswith(("key:", SSO)) and self.name else self.id

    def may_read(self, team: str | None) -> bool:
        if self.role == "metrics":  # its one read is /metrics, served by the gateway, never governance data
            return False
        return self.team is None or team == self.team

    def require_read(self, team: str | None, what: str) -> None:
        if self.role == "metrics":
            raise PermissionDenied(
                f"{self.label} is a metrics key: it scrapes /metrics and reads nothing else (refused: {what}); "
                "use an auditor key of the team."
            )
        if not self.may_read(team):
            raise PermissionDenied(
                f"{self.label} belongs to team {self.team!r} and may not read {what} of team {team!r}; "
                "use a key of that team."
            )

    def require_change(self, team: str | None, what: str) -> None:
        """Refuse unless this actor may change `what` of `team` (auditors and app keys never may)."""
        self.require_read(team, what)
        if self.role == "auditor":
            raise PermissionDenied(
                f"{self.label} is an auditor: auditors read everything of their team and change nothing "
                f"(refused: {what}); use a developer or admin identity."
            )
        if self.role not in CHANGING_ROLES:
            raise PermissionDenied(
                f"{self.label} has role {self.role!r}, which may call apps but not change governance ({what}); "
                "use a developer or admin identity."
            )

    def require_admin(self, what: str) -> None:
        if self.role != "admin":
            raise PermissionDenied(f"{what} needs an admin; {self.label} has role {self.role!r}.")

    def scope(self, team: str | None) -> str | None:
        """The team a listing covers: the actor's own for keys, `team` (or all) for a local operator."""
        if self.team is None:
            return team
        if self.role == "metrics" or (team is not None and team != self.team):
            self.require_read(team, "data")
        return self.team


PERSON = "person:"  # an approver grant or a counted approval naming a person (an e-mail), not one credential


def person_id(address: str) -> str:
    """`person:<e-mail>`: the approver (and reviewer) one person is, whichever key or SSO session they use."""
    return f"{PERSON}{address}"


def _login() -> str:
    """The OS account of this process: from the user database by uid, not $USER/$LOGNAME, which anyone can set
    (and which made one person appear as `cli`, `user:root` or any name in the audit log)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # Windows, or a uid without a passwd entry (some containers)
        try:
            return getpass.getuser()
        except Exception:
            return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "local-operator"


def actor_label(actor: Actor | Principal | str | None) -> str:
    """The stored name of whoever acted, whatever form the caller has it in."""
    if actor is None:
        return "system:unknown"
    if isinstance(actor, Actor):
        return actor.label
    if isinstance(actor, Principal):
        return Actor.from_principal(actor).label
    return str(actor)
