"""The shared in-memory tables and the private copy a unit of work changes."""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any, TypeVar

from sqlalchemy import inspect

from storage.models import Base

Table = dict[Hashable, Base]
RowT = TypeVar("RowT", bound=Base)


def clone(row: Base) -> Base:
    """Return an independent copy of an ORM row (its JSON values copied too)."""
    mapper = inspect(type(row))
    values = {attr.key: copy.deepcopy(getattr(row, attr.key)) for attr in mapper.column_attrs}
    return type(row)(**values)


def values_of(row: Base) -> tuple[Any, ...]:
    """Return a row's column values, to tell whether a unit of work changed it."""
    mapper = inspect(type(row))
    return tuple(getattr(row, attr.key) for attr in mapper.column_attrs)


class MemoryStore:
    """Committed rows per table name, and the id counters; shared by every unit of work."""

    def __init__(self) -> None:
        """Start with no rows."""
        self.tables: dict[str, Table] = {}
        self.counters: dict[str, int] = {}

    def table(self, name: str) -> Table:
        """Return the committed rows of one table (created empty on first use)."""
        return self.tables.setdefault(name, {})


class Workspace:
    """A unit of work's private copy of the store; `merge` lands only what it changed."""

    def __init__(self, store: MemoryStore) -> None:
        """Copy every committed row, remembering its values to diff against at commit."""
        self._store = store
        self.tables: dict[str, Table] = {
            name: {key: clone(row) for key, row in rows.items()}
            for name, rows in store.tables.items()
        }
        self._base = {
            name: {key: values_of(row) for key, row in rows.items()}
            for name, rows in store.tables.items()
        }

    def table(self, name: str) -> Table:
        """Return this unit of work's rows of one table."""
        return self.tables.setdefault(name, {})

    def next_id(self, name: str) -> int:
        """Take the next id for a table; ids are never reused, even after a rollback."""
        # Counted on the shared store like a database sequence, which a rollback does not rewind.
        value = self._store.counters.get(name, 0) + 1
        self._store.counters[name] = value
        return value

    def insert(self, model: type[RowT], **values: Any) -> RowT:
        """Add a row under its table's next id, as an INSERT would; return it."""
        row_id = self.next_id(model.__tablename__)
        row = model(id=row_id, **values)
        self.table(model.__tablename__)[row_id] = row
        return row

    def merge(self) -> None:
        """Write the rows this unit of work added, changed or deleted into the store."""
        for name, rows in self.tables.items():
            base = self._base.get(name, {})
            shared = self._store.table(name)
            for key, row in rows.items():
                if base.get(key) != values_of(row):
                    shared[key] = clone(row)
            for key in base.keys() - rows.keys():
                shared.pop(key, None)
        # A later commit in this unit of work diffs against what this one landed.
        self._base = {
            name: {key: values_of(row) for key, row in rows.items()}
            for name, rows in self.tables.items()
        }
