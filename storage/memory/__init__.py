"""Storage in memory: the same unit of work and repositories, for fast tests of care's rules."""

from storage.memory.store import MemoryStore
from storage.memory.uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory

__all__ = ["MemoryStore", "MemoryUnitOfWork", "MemoryUnitOfWorkFactory"]
