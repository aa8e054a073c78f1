"""Process settings: where state lives and which database to use (environment over steward.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from steward.config.schema import Project


@dataclass(frozen=True)
class Settings:
    """Resolved locations for one process."""

    home: Path
    database_url: str

    @classmethod
    def resolve(cls, project: Project) -> Settings:
        home = Path(os.environ.get("STEWARD_HOME") or project.root / ".steward").resolve()
        url = os.environ.get("STEWARD_DATABASE_URL") or project.store.url or f"sqlite:///{home / 'steward.db'}"
        return cls(home=home, database_url=url)

    @property
    def models_dir(self) -> Path:
        return self.home / "models"
