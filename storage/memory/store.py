"""The shared in-memory tables and the private copy a unit of work changes."""

from __future__ import annotations

import copy
import functools
from collections.abc import Hashable
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import instrumentation

from storage.models import Base

Table = dict[Hashable, Base]
RowT = TypeVar("RowT", bound=Base)


@functools.cache
def _columns(model: type[Base]) -> tuple[str, ...]:
    # Every unit of work copies every row, so the mapper is asked once per table, not per row.
    return tuple(attr.key for attr in inspect(model).column_attrs)


def _copied(value: Any) -> Any:
    # Only JSON values can be changed in place; text, numbers, bytes and datetimes cannot.
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def clone(row: Base) -> Base:
    """Return an independent copy of an ORM row (its JSON values copied too)."""
    # Built without the mapped constructor, which costs more than the copy: the values go
    # straight into the new row's state, where the mapped attributes read and write them.
    model, values = type(row), row.__dict__
    copied: Base = instrumentation.manager_of_class(model).new_instance()
    copied.__dict__.update({key: _copied(values.get(key)) for key in _columns(model)})
    return copied


def values_of(row: Base) -> tuple[Any, ...]:
    """Return a row's column values, to tell whether a unit of work changed it."""
    values = row.__dict__
    return tuple(values.get(key) for key in _columns(type(row)))


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
        """Start with no copies: each table is copied when the unit of work first uses it."""
        self._store = store
        self.tables: dict[str, Table] = {}
        self._base: dict[str, dict[Hashable, tuple[Any, ...]]] = {}

    def table(self, name: str) -> Table:
        """Return this unit of work's rows of one table, copied from the store on first use."""
        # Copying only the tables a unit of work touches keeps a turn's cost to what it reads.
        # Like PostgreSQL's READ COMMITTED, a table first read later sees commits made since.
        if name not in self.tables:
            committed = self._store.table(name)
            self.tables[name] = {key: clone(row) for key, row in committed.items()}
            self._base[name] = {key: values_of(row) for key, row in committed.items()}
        return self.tables[name]

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
