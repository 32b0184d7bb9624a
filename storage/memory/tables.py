"""Typed access to one unit of work's rows of one table, and JSON as SQL would store it."""

from __future__ import annotations

import json
from typing import Any, TypeVar, cast

from storage.memory.store import Workspace
from storage.models import Base

Row = TypeVar("Row", bound=Base)


def rows(workspace: Workspace, model: type[Row]) -> list[Row]:
    """This unit of work's rows of a table keyed by id, in id order (the SQL repositories')."""
    table = workspace.table(model.__tablename__)
    ordered = sorted(table.items(), key=lambda item: cast(int, item[0]))
    return [row for _, row in ordered if isinstance(row, model)]


def get(workspace: Workspace, model: type[Row], row_id: int) -> Row | None:
    """Return the row with this id, if this unit of work has it."""
    row = workspace.table(model.__tablename__).get(row_id)
    return row if isinstance(row, model) else None


def add(workspace: Workspace, model: type[Row], **values: Any) -> Row:
    """Insert a row with the table's next id and return it."""
    row_id = workspace.next_id(model.__tablename__)
    row = model(id=row_id, **values)
    workspace.table(model.__tablename__)[row_id] = row
    return row


def delete(workspace: Workspace, model: type[Row], row_id: int) -> None:
    """Remove a row (the commit removes it from the store)."""
    workspace.table(model.__tablename__).pop(row_id, None)


def stored_json(value: Any) -> Any:
    """The value a JSON column gives back: tuples become lists; what JSON cannot hold fails."""
    return json.loads(json.dumps(value))


def sealed_json(value: Any) -> bytes:
    """What an encrypted JSON column would hold, left readable: memory keeps nothing at rest."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def opened_json(token: bytes) -> Any:
    """The value `sealed_json` kept."""
    return json.loads(token)
