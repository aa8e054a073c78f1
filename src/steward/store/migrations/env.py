"""Alembic environment for Steward's store, driven programmatically by `steward.store.migrate`.

No alembic.ini is needed: `steward.store.migrate.alembic_config()` points `script_location` at this folder and
hands over an open connection in `config.attributes["connection"]`. Offline mode (`--sql`) works from a URL
set as `sqlalchemy.url`. SQLite runs in batch mode so later migrations can alter tables there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from steward.store.schema import metadata

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the `alembic` command line, given only a URL
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as connection:
            _migrate(connection)
        engine.dispose()
    else:
        _migrate(connection)


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
