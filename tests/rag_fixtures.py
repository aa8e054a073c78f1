"""RAG fixtures: a project with the airport knowledge base declared, and a `Retriever` on SQLite and PostgreSQL.

The embedder is the real all-MiniLM-L6-v2 (loaded once per test process); the database is a fresh SQLite file
or a fresh PostgreSQL database per test (`database_url` from the store engineer's fixtures).
Use: `from rag_fixtures import database_url, postgres_url, retriever, make_project  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from postgres_fixtures import database_url, postgres_url  # noqa: F401
from steward.config import Project, Settings, load_project_text
from steward.rag import Retriever
from steward.store import Store

KB = Path(__file__).resolve().parents[1] / "src" / "steward" / "defaults" / "kb" / "airport"

PROJECT = {
    "version": 1,
    "models": {"scripted": {"backend": "scripted", "replies": ["ok"]}},
    "collections": {
        "airport-kb": {
            "description": "bookings and flights",
            "identifiers": {"PNR": r"\b\d{9}\b", "flight": r"\b[A-Z]{2}\d{3,4}\b"},
            "top_k": 4,
        },
    },
    "apps": {
        "airport-assistant": {
            "owner": "ops@example.com",
            "purpose": "answer booking questions",
            "route": [{"model": "scripted"}],
            "rag": "airport-kb",
            "prompt": {"system": "You are the booking assistant of Example Airport."},
        },
    },
}


def make_project(root: Path, **collection: Any) -> Project:
    data = yaml.safe_load(yaml.safe_dump(PROJECT))
    data["collections"]["airport-kb"].update(collection)
    project = load_project_text(yaml.safe_dump(data), "test-steward.yaml")
    project.root = root
    return project


@pytest.fixture
def retriever(database_url: str, tmp_path: Path) -> Iterator[Retriever]:  # noqa: F811
    store = Store.open(database_url)
    project = make_project(tmp_path)
    settings = Settings(home=tmp_path / "home", database_url=database_url)
    try:
        yield Retriever.from_project(project, settings, store, sync=False)
    finally:
        store.close()
