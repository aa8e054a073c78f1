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
    config: Path | None = None  # the steward.yaml these were resolved for (None: the embedded defaults)

    @classmethod
    def resolve(cls, project: Project) -> Settings:
        home = Path(os.environ.get("STEWARD_HOME") or project.root / ".steward").resolve()
        url = os.environ.get("STEWARD_DATABASE_URL") or project.store.url or f"sqlite:///{home / 'steward.db'}"
        source = Path(project.source)
        return cls(home=home, database_url=url, config=source.resolve() if source.is_file() else None)

    def create_home(self) -> Path:
        """Create the home folder private to its user (0700): it holds the keys and the records' database."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.home

    @property
    def models_dir(self) -> Path:
        return self.home / "models"
