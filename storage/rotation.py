"""Key rotation: re-encrypt every ciphertext that is not under the active key."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import FieldCipher
from storage.models import (
    Alert,
    Answer,
    Base,
    HomeworkEntry,
    MessengerIdentity,
    OutboxMessage,
    Patient,
    Run,
    Variable,
)
from storage.repositories.flows import ANSWER_VALUE, RUN_STATE, VARIABLE_VALUE
from storage.repositories.outbox import PAYLOAD
from storage.repositories.patients import ALIAS, CHAT_ID, EXTERNAL_ID, identity_index
from storage.repositories.results import HOMEWORK_DATA
from storage.repositories.safety import ALERT_NOTE, AuditRepository

# Every encrypted column and the purpose its ciphertexts are bound to. A new encrypted
# column must be listed here, or rotation would leave it under a retired key.
ENCRYPTED_COLUMNS: tuple[tuple[type[Base], tuple[tuple[str, str], ...]], ...] = (
    (Patient, (("alias_enc", ALIAS),)),
    (MessengerIdentity, (("external_id_enc", EXTERNAL_ID), ("chat_id_enc", CHAT_ID))),
    (Run, (("state_enc", RUN_STATE),)),
    (Answer, (("value_enc", ANSWER_VALUE),)),
    (Variable, (("value_enc", VARIABLE_VALUE),)),
    (HomeworkEntry, (("data_enc", HOMEWORK_DATA),)),
    (OutboxMessage, (("payload_enc", PAYLOAD),)),
    (Alert, (("resolution_note_enc", ALERT_NOTE),)),
)


async def rotate_keys(
    sessions: async_sessionmaker[AsyncSession], cipher: FieldCipher, batch_size: int = 500
) -> int:
    """Re-encrypt under the active key in committed batches; return rows changed."""
    changed = 0
    for model, columns in ENCRYPTED_COLUMNS:
        changed += await _rotate_table(sessions, cipher, model, columns, batch_size)
    changed += await reindex_identities(sessions, cipher, batch_size)
    async with sessions() as session, session.begin():
        # Which key everything is under now is part of the record; the key itself never is.
        detail = {"active_key_id": cipher.active_key_id.hex(), "values": changed}
        await AuditRepository(session, cipher).append("operator", "keys.rotated", None, detail)
    return changed


async def reindex_identities(
    sessions: async_sessionmaker[AsyncSession], cipher: FieldCipher, batch_size: int = 500
) -> int:
    """Recompute messenger-id blind indexes under the cipher's index key; return rows fixed."""
    # If the index key changed (no stable security.index_key was configured), lookups by
    # messenger id would miss every existing patient; the encrypted ids let us repair that.
    fixed, last_id = 0, 0
    table = MessengerIdentity
    while True:
        async with sessions() as session, session.begin():
            stmt = (
                sa.select(table.id, table.messenger, table.external_id_enc, table.external_id_index)
                .where(table.id > last_id)
                .order_by(table.id)
                .limit(batch_size)
            )
            rows = (await session.execute(stmt)).all()
            for row_id, messenger, token, stored in rows:
                external_id = cipher.decrypt_text(bytes(token), EXTERNAL_ID)
                index = identity_index(cipher, messenger, external_id)
                if index != stored:
                    await session.execute(
                        sa.update(table)
                        .where(table.id == row_id)
                        .values(external_id_index=index)
                        .execution_options(synchronize_session=False)
                    )
                    fixed += 1
        if len(rows) < batch_size:
            return fixed
        last_id = rows[-1][0]


async def _rotate_table(
    sessions: async_sessionmaker[AsyncSession],
    cipher: FieldCipher,
    model: type[Base],
    columns: tuple[tuple[str, str], ...],
    batch_size: int,
) -> int:
    table = sa.inspect(model).local_table
    pk = table.c.id
    selected = [pk, *(table.c[name] for name, _ in columns)]
    changed, last_id = 0, 0
    while True:
        # Keyset pagination + one commit per batch: an interrupted rotation keeps its
        # progress, and a re-run skips rows already under the active key.
        async with sessions() as session, session.begin():
            stmt = sa.select(*selected).where(pk > last_id).order_by(pk).limit(batch_size)
            rows = (await session.execute(stmt)).all()
            for row in rows:
                values = _reencrypted(cipher, row, columns)
                if values:
                    stmt_update = sa.update(model).where(pk == row[0]).values(**values)
                    await session.execute(stmt_update.execution_options(synchronize_session=False))
                    changed += 1
        if len(rows) < batch_size:
            return changed
        last_id = rows[-1][0]


def _reencrypted(
    cipher: FieldCipher, row: Any, columns: tuple[tuple[str, str], ...]
) -> dict[str, bytes]:
    values: dict[str, bytes] = {}
    for offset, (name, purpose) in enumerate(columns, start=1):
        token = row[offset]
        if token is not None and not cipher.is_current(token):
            values[name] = cipher.reencrypt(bytes(token), purpose)
    return values
