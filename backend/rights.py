"""The one question of rights: ``can(user, capability, obj=None)`` (issue 17, "Rights as data").

- The role's capabilities come from the table ``RoleCapability`` (city HR edits it in the admin),
  read once per process and kept: a save or delete of a row clears the copy at once in this
  process; other processes (the other web workers, the import worker) read it again within
  ``RIGHTS_CACHE_SECONDS`` (60 by default).
- Two rights also need the account's own right (``core.capabilities.NEEDS_FLAG``); a superuser
  holds everything.
- With ``obj`` (a teacher, a school, a teacher's record …) the object must also lie within the
  user's scope (``backend.scoping.in_scope``).

A misspelt capability raises ``ValueError`` (``core.capabilities.check``).
"""
from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from core import capabilities
from core.capabilities import Capability, granted

__all__ = ["Capability", "can", "capabilities_of", "clear", "table"]

_cache: dict[str, frozenset[str]] | None = None
_loaded_at = 0.0


def _max_age() -> float:
    return float(getattr(settings, "RIGHTS_CACHE_SECONDS", 60))


def table() -> dict[str, frozenset[str]]:
    """role → the capabilities it holds, as the table says (kept per process)."""
    global _cache, _loaded_at
    if _cache is None or time.monotonic() - _loaded_at > _max_age():
        from .models import RoleCapability

        rows: dict[str, set[str]] = {}
        for role, capability in RoleCapability.objects.values_list("role", "capability"):
            rows.setdefault(role, set()).add(capability)
        _cache = {role: frozenset(caps) for role, caps in rows.items()}
        _loaded_at = time.monotonic()
    return _cache


def capabilities_of(role: str) -> frozenset[str]:
    return table().get(role, frozenset())


_cleared = 0  # how many times the table was forgotten (a test that rolls back a change asks it)


def clear(**_kwargs) -> None:
    """Forget the kept table: the next check reads it again."""
    global _cache, _cleared
    _cache = None
    _cleared += 1


def _changed(using="default", **_kwargs) -> None:
    """A row saved or deleted: forget the table now, and again when the change commits (a check
    in between would have kept what the transaction had not yet committed)."""
    clear()
    transaction.on_commit(clear, using=using)


def can(user, capability: str, obj=None) -> bool:
    """Whether ``user`` may do ``capability`` — on ``obj`` when given (then ``obj`` must be within
    the user's scope too)."""
    if not granted(user, capability):
        return False
    if obj is None:
        return True
    from .scoping import in_scope

    return in_scope(user, obj)


def seed_when_empty(sender=None, using="default", **_kwargs) -> None:
    """After ``migrate`` (and ``flush``, which empties every table and then sends the same signal):
    an empty table gets ``core.roles.DEFAULT_RIGHTS`` back, so no database is left where nobody
    may do anything. A table with rows is left as city HR made it."""
    if sender is None or sender.label != "backend":
        return
    from django.db import connections

    from core.roles import DEFAULT_RIGHTS

    from .models import RoleCapability

    if RoleCapability._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated to before the table
    manager = RoleCapability.objects.using(using)
    if not manager.exists():
        manager.bulk_create([RoleCapability(role=role, capability=capability)
                             for role, caps in DEFAULT_RIGHTS.items() for capability in sorted(caps)])
    clear()


def _connect() -> None:
    from .models import RoleCapability

    capabilities.use_table(capabilities_of)
    post_save.connect(_changed, sender=RoleCapability, dispatch_uid="backend.rights.clear_on_save")
    post_delete.connect(_changed, sender=RoleCapability, dispatch_uid="backend.rights.clear_on_delete")
    post_migrate.connect(seed_when_empty, dispatch_uid="backend.rights.seed_when_empty")


_connect()
