"""Between a table's rows and the dataclasses the repositories hand out: one mapping by name, both ways.

A repository's dataclass mostly mirrors its table column for column; writing that mapping out by hand, once to
store and once to read, is where a column added to one side and forgotten on the other goes unnoticed. Here a
column and a field of the same name correspond; what is stored under another name or in another shape (a count
for a list, bytes for a sketch, JSON lists for a tuple) is given explicitly by the caller.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Row, Table

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    T = TypeVar("T", bound=DataclassInstance)


def row_of(table: Table, *sources: object, **values: Any) -> dict[str, Any]:
    """The row storing `sources` in `table`: each column is the value given for it in `values`, else the
    attribute of its name on the first source that has one. A column found nowhere raises `AttributeError`
    (a field renamed on one side only), rather than storing a silent NULL."""
    row: dict[str, Any] = {}
    for column in table.c:
        if column.name in values:
            row[column.name] = values[column.name]
            continue
        owner = next((source for source in sources if hasattr(source, column.name)), None)
        if owner is None:
            raise AttributeError(f"nothing to store in {table.name}.{column.name}")
        row[column.name] = getattr(owner, column.name)
    return row


def from_row(cls: type[T], row: Row[Any], **values: Any) -> T:
    """The dataclass `cls` read from `row`: each field is the value given for it in `values`, else the column of
    its name; a field with neither keeps its default."""
    columns = row._mapping
    found = {f.name: columns[f.name] for f in dataclasses.fields(cls) if f.name in columns}
    return cls(**(found | values))
