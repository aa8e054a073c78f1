"""Process settings: where state lives, which database to use and where traces go (environment over
steward.yaml), and the keys.

The environment is read here and nowhere else in the capabilities: `Settings.resolve` at the process edge (a CLI
command, `steward serve`, `steward.Client`) reads the locations, and `Secrets.from_environment` the keys, under the
variable names users set (`STEWARD_GUARD_KEY`, `STEWARD_RECORD_KEY`, `STEWARD_INTEGRITY_KEY[_FILE]`,
`STEWARD_AUDIT_KEY`). The one exception is a secret reference that steward.yaml declares (`$env:NAME`, a
`config.schema.SecretRef`: an upstream's API key, a webhook's URL), resolved where it is used, so that a rotated
secret is read without a restart.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from steward.config.schema import Project

GUARD_KEY_ENV = "STEWARD_GUARD_KEY"
RECORD_KEY_ENV = "STEWARD_RECORD_KEY"
INTEGRITY_KEY_ENV = "STEWARD_INTEGRITY_KEY"
INTEGRITY_KEY_FILE_ENV = "STEWARD_INTEGRITY_KEY_FILE"
AUDIT_KEY_ENV = "STEWARD_AUDIT_KEY"
OTLP_ENDPOINT_ENV = "STEWARD_OTLP_ENDPOINT"


@dataclass(frozen=True)
class Secrets:
    """The keys a process was given in its environment (None: not set). Never printed (`repr` hides them)."""

    guard_key: str | None = field(default=None, repr=False)  # pseudonyms of redacted values (else a key file)
    record_keys: str | None = field(default=None, repr=False)  # Fernet keys of record bodies, newest first
    integrity_key: str | None = field(default=None, repr=False)  # HMAC key of the records' and keys' seals
    integrity_key_file: str | None = None  # ...or the file that holds it
    audit_key: str | None = field(default=None, repr=False)  # HMAC key of the audit chain

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Secrets:
        """The keys in `environ` (default: this process's environment), exactly as set (a key's bytes are its
        identity: stripping one would change every seal made with it); empty values count as not set."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(name) or None

        return cls(
            guard_key=get(GUARD_KEY_ENV),
            record_keys=get(RECORD_KEY_ENV),
            integrity_key=get(INTEGRITY_KEY_ENV),
            integrity_key_file=get(INTEGRITY_KEY_FILE_ENV),
            audit_key=get(AUDIT_KEY_ENV),
        )


@dataclass(frozen=True)
class Settings:
    """Resolved locations for one process."""

    home: Path
    database_url: str
    config: Path | None = None  # the steward.yaml these were resolved for (None: the embedded defaults)
    secrets: Secrets = field(default_factory=Secrets.from_environment)  # read once, when the settings are made
    # Where traces go: $STEWARD_OTLP_ENDPOINT, else (in `resolve`, or at assembly) telemetry.otlp_endpoint.
    otlp_endpoint: str | None = field(default_factory=lambda: os.environ.get(OTLP_ENDPOINT_ENV) or None)

    @classmethod
    def resolve(cls, project: Project) -> Settings:
        home = Path(os.environ.get("STEWARD_HOME") or project.root / ".steward").resolve()
        url = os.environ.get("STEWARD_DATABASE_URL") or project.store.url or f"sqlite:///{home / 'steward.db'}"
        source = Path(project.source)
        config = source.resolve() if source.is_file() else None
        otlp = os.environ.get(OTLP_ENDPOINT_ENV) or project.telemetry.otlp_endpoint
        return cls(
            home=home, database_url=url, config=config, secrets=Secrets.from_environment(), otlp_endpoint=otlp
        )

    def create_home(self) -> Path:
        """Create the home folder private to its user (0700): it holds the keys and the records' database."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.home

    @property
    def models_dir(self) -> Path:
        return self.home / "models"
