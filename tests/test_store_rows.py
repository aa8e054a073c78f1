"""The one mapping between table rows and repository dataclasses (`steward.store.rows`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, create_engine, insert, select

from steward.store.rows import from_row, row_of

things = Table(
    "things",
    MetaData(),
    Column("id", String(8), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("tags", JSON, nullable=False),
)


@dataclass
class Thing:
    id: str
    size: int
    tags: tuple[str, ...] = ()
    note: str = "none"  # no column: keeps its default when read


def test_a_dataclass_round_trips_through_its_table_with_the_odd_column_given() -> None:
    engine = create_engine("sqlite://")
    things.metadata.create_all(engine)
    thing = Thing("a", 3, ("x", "y"), note="kept out")
    with engine.begin() as conn:
        conn.execute(insert(things), [row_of(things, thing, tags=list(thing.tags))])
        row = conn.execute(select(things)).one()
    assert from_row(Thing, row, tags=tuple(row.tags)) == Thing("a", 3, ("x", "y"))


def test_a_column_with_nothing_to_store_is_an_error_not_a_null() -> None:
    @dataclass
    class Renamed:
        id: str
        length: int  # `size` renamed on this side only
        tags: list[str] = field(default_factory=list)

    with pytest.raises(AttributeError, match=r"things\.size"):
        row_of(things, Renamed("a", 3))


def test_later_sources_fill_the_columns_the_first_lacks() -> None:
    @dataclass
    class Key:
        id: str

    @dataclass
    class Body:
        size: int
        tags: list[str]

    assert row_of(things, Key("k"), Body(2, ["t"])) == {"id": "k", "size": 2, "tags": ["t"]}
