"""The audit trail's one write path: ``record`` (one event), ``record_many`` (bulk, for imports)
and ``diff`` / ``snapshot`` (what changed, ready to store).

Everything that reaches an ``AuditEntry`` goes through ``clean_changes`` / ``mask_text`` here,
so no full 身份证件号 and no full birth date is ever written to the trail, whoever calls it.

Usage (a service or view)::

    from backend import audit

    old = Teacher.objects.get(pk=pk)          # before the change
    ...                                        # change and save ``teacher``
    audit.record(audit.UPDATE, request=request, obj=teacher, changes=audit.diff(old, teacher))

    audit.record(audit.EXPORT, request=request, object_type="workforce.teacher",
                 message="导出教师名单 123 行")

Bulk writes (``bulk_create`` / ``bulk_update`` skip signals, so the import records its own rows)::

    audit.record_many(
        audit.entry(audit.UPDATE, user=user, obj=t, changes=audit.diff(old_by_id[t.pk], t),
                    source="import", run_ref=str(run.pk))
        for t in changed
    )

``changes`` is a dict ``{field_name: {"label": 中文名, "old": …, "new": …}}``; keys starting with
``_`` are about the entry itself (``_record``: the sub-record of a teacher that changed).
"""
from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Iterable, Mapping
from contextlib import contextmanager

from django.core.files import File
from django.db import DatabaseError, connections, models

from core.identity import mask_birth_date, mask_id_number

from core.i18n import in_data_language
from core.masking import ID_PATTERN, mask_text, mask_value  # noqa: F401  (re-exported)
from .models import AuditEntry

Action = AuditEntry.Action
LOGIN = Action.LOGIN
LOGIN_FAILED = Action.LOGIN_FAILED
LOCKOUT = Action.LOCKOUT
LOGOUT = Action.LOGOUT
DENIED = Action.DENIED
EXPORT = Action.EXPORT
REVEAL = Action.REVEAL
IMPORT = Action.IMPORT
CREATE = Action.CREATE
UPDATE = Action.UPDATE
DELETE = Action.DELETE
ROLE_CHANGE = Action.ROLE_CHANGE
OTHER = Action.OTHER

_YEAR_FIRST = re.compile(r"(\d{4})-")


def _mask_birth(value) -> str:
    """A birth date → ``1985-**-**``; so does its ISO text and an already masked ``1985-**-**``
    (masking twice changes nothing); any other text → ``****-**-**``."""
    if isinstance(value, dt.date):
        return mask_birth_date(value)
    if not value:
        return ""
    year = _YEAR_FIRST.match(str(value))
    return f"{year[1]}-**-**" if year else "****-**-**"


# Fields whose value is personal data wherever they appear: masked, never stored in clear. Each
# masker is idempotent (``record_many`` masks ready-made entries again).
SENSITIVE_FIELDS = {
    "id_number": lambda v: mask_id_number(str(v)) if v else "",
    "birth_date": _mask_birth,
}
# Never stored at all (hashes, bookkeeping timestamps).
IGNORED_FIELDS = frozenset({"password", "last_login", "created_at", "updated_at"})

MAX_REPR = AuditEntry._meta.get_field("object_repr").max_length


# ------------------------------------------------------------------ values
def plain(value):
    """A value as JSON can hold it (dates as ISO text, decimals as text, objects as their str)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, File):  # a stored or uploaded file: its name, never its URL
        return str(value.name or "")
    return str(value)


def _stored(field_name: str, value):
    masker = SENSITIVE_FIELDS.get(field_name)
    return masker(value) if masker else plain(value)


# ------------------------------------------------------------------ what changed
def _concrete_fields(model_or_obj):
    return [f for f in model_or_obj._meta.concrete_fields if not f.primary_key and f.name not in IGNORED_FIELDS]


def _display(field, obj, raw, *, fetch: bool = True):
    """Readable value of ``field`` on ``obj``: choices by label, foreign keys by their str (read
    from the database only when ``fetch``; otherwise only if already loaded, else the key)."""
    if raw is None or raw == "":
        return raw
    if field.is_relation:
        related = None
        if obj is not None and (fetch or field.is_cached(obj)):
            related = getattr(obj, field.name, None)
        return mask_text(related) if related is not None else plain(raw)
    if field.choices:
        labels = dict(field.flatchoices)
        return labels.get(raw, raw)
    return raw


@in_data_language  # audit rows are a record: labels in Chinese whatever the page language
def diff(old_obj, new_values, *, fields: Iterable[str] | None = None) -> dict:
    """The fields that differ between ``old_obj`` and ``new_values`` (a model instance or a dict of
    field name → value), as ``{name: {"label", "old", "new"}}``, masked. Only changed foreign keys
    are read (so a changed school costs one query, an unchanged one none)."""
    is_obj = isinstance(new_values, models.Model)
    wanted = set(fields) if fields is not None else None
    out: dict = {}
    for field in _concrete_fields(old_obj):
        if wanted is not None and field.name not in wanted and field.attname not in wanted:
            continue
        old_raw = getattr(old_obj, field.attname)
        if is_obj:
            new_raw = getattr(new_values, field.attname)
        elif field.attname in new_values:
            new_raw = new_values[field.attname]
        elif field.name in new_values:
            new_raw = new_values[field.name]
            if isinstance(new_raw, models.Model):
                new_raw = new_raw.pk
        else:
            continue
        if _same(old_raw, new_raw):
            continue
        new_obj = new_values if is_obj else None
        out[field.name] = {
            "label": str(field.verbose_name),
            "old": _stored(field.name, _display(field, old_obj, old_raw)),
            "new": _stored(field.name, _display(field, new_obj, new_raw)),
        }
    return out


def _same(a, b) -> bool:
    if a == b:
        return True
    if a in (None, "") and b in (None, ""):
        return True
    return plain(a) == plain(b)


@in_data_language
def snapshot(obj) -> dict:
    """Every non-empty field of ``obj`` as ``{name: {"label", "new"}}`` (for a creation or a deletion)."""
    out: dict = {}
    for field in _concrete_fields(obj):
        raw = getattr(obj, field.attname)
        if raw in (None, ""):
            continue
        out[field.name] = {"label": str(field.verbose_name),
                           "new": _stored(field.name, _display(field, obj, raw, fetch=False))}
    return out


def clean_changes(changes) -> dict:
    """Whatever a caller passes as ``changes``: JSON-safe, sensitive fields and IDs masked."""
    if not changes:
        return {}
    out = {}
    for key, value in dict(changes).items():
        key = str(key)
        if key in IGNORED_FIELDS:
            continue
        if key in SENSITIVE_FIELDS and isinstance(value, Mapping):
            value = {k: (SENSITIVE_FIELDS[key](v) if k in ("old", "new") else v) for k, v in value.items()}
        elif key in SENSITIVE_FIELDS and not isinstance(value, Mapping):
            value = SENSITIVE_FIELDS[key](value)
        out[key] = mask_value(plain(value))
    return out


def parent_of(obj):
    """The teacher whose record ``obj`` is part of (a ``teacher`` foreign key to
    ``workforce.Teacher``), or None: the audit files sub-record changes under the teacher."""
    try:
        field = obj._meta.get_field("teacher")
    except Exception:
        return None
    if not field.many_to_one or field.related_model._meta.label_lower != "workforce.teacher":
        return None
    return getattr(obj, "teacher", None) if getattr(obj, "teacher_id", None) else None


# ------------------------------------------------------------------ who and from where
def client_ip(request) -> str | None:
    """The address the request came from. Behind a reverse proxy the proxy must pass the client
    address as ``REMOTE_ADDR`` (gunicorn ``--forwarded-allow-ips``); headers a client can forge
    (``X-Forwarded-For``) are not trusted here."""
    if request is None:
        return None
    addr = (request.META.get("REMOTE_ADDR") or "").strip()
    return addr or None


def _user_of(user, request):
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        return None
    return user


# ------------------------------------------------------------------ writing
@in_data_language
def entry(
    action,
    *,
    user=None,
    request=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes=None,
    source: str = "web",
    run_ref: str = "",
    message: str = "",
    username: str = "",
    parent=None,
) -> AuditEntry:
    """An unsaved ``AuditEntry`` with every text masked; ``record`` saves one, ``record_many`` many.

    ``parent``: file the entry under this object instead of ``obj`` (a teacher's education,
    title, exchange or award is part of the teacher's record: ``parent=audit.parent_of(obj)``);
    ``obj`` is then named in ``changes["_record"]``."""
    who = _user_of(user, request)
    if parent is not None and obj is not None and parent is not obj:
        changes = {"_record": {"type": obj._meta.label_lower, "id": "" if obj.pk is None else str(obj.pk),
                               "label": str(obj._meta.verbose_name), "repr": mask_text(obj)[:MAX_REPR]},
                   **(changes or {})}
        obj = parent
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or ("" if obj.pk is None else str(obj.pk))
        object_repr = object_repr or str(obj)
    if request is not None and source == "web" and request.path.startswith("/admin/"):
        source = "admin"
    return AuditEntry(
        user_id=getattr(who, "pk", None),
        username=(username or getattr(who, "username", "") or "")[:150],
        ip=client_ip(request),
        action=str(action),
        source=source[:20],
        object_type=object_type[:60],
        object_id=mask_text(object_id)[:40],
        object_repr=mask_text(object_repr)[:MAX_REPR],
        changes=clean_changes(changes),
        run_ref=str(run_ref)[:40],
        message=mask_text(message),
    )


def record(action, **kwargs) -> AuditEntry:
    """Write one audit row now (same arguments as ``entry``). Returns the saved row."""
    row = entry(action, **kwargs)
    row.save()
    return row


def record_refusal(request, message: str = "", **kwargs) -> None:
    """A refusal the user was shown — a 404 for a record outside their scope, a service saying no
    on a page, a filter on a masked field: action ``denied``, with the user, the address, the
    method and path, and what was refused (``message``; object keywords as for ``entry``).

    Under ``backend.middleware.AuditRefusalMiddleware`` the row is written after the response,
    outside any transaction of the view (the admin's change view rolls its transaction back on a
    404, and would take the row with it); without it, now. Never raises: the refusal stands even
    if the trail cannot be written."""
    path = f"{request.method} {request.path}" if request is not None else ""
    if kwargs.get("obj") is None:
        kwargs.setdefault("object_repr", (request.path if request is not None else "")[:MAX_REPR])
    kwargs["message"] = f"{path}：{message}" if message and path else (message or path)
    pending = getattr(request, "_pending_refusals", None)
    if pending is not None:
        pending.append(kwargs)
    else:
        write_refusals(request, [kwargs])


def write_refusals(request, refusals: list[dict]) -> None:
    """Write ``denied`` rows (``record_refusal``'s keywords); a failure is logged, never raised."""
    try:
        for kwargs in refusals:
            record(DENIED, request=request, **kwargs)
    except Exception:
        import logging

        logging.getLogger("backend.audit").exception("无法写入拒绝访问的审计记录")


def record_many(entries: Iterable, *, batch_size: int = 1000) -> int:
    """Write many rows in one ``bulk_create`` (imports). ``entries`` holds ``AuditEntry`` objects
    made by ``entry(...)`` or dicts of ``entry``'s keyword arguments (with ``action``)."""
    rows = []
    for item in entries:
        if isinstance(item, AuditEntry):
            # Already built by ``entry``; mask again in case a caller made one by hand (the
            # masking is idempotent: a masked 1985-**-** stays as it is).
            item.object_repr = mask_text(item.object_repr)[:MAX_REPR]
            item.object_id = mask_text(item.object_id)[:40]
            item.message = mask_text(item.message)
            item.changes = clean_changes(item.changes)
            rows.append(item)
        else:
            kwargs = dict(item)
            rows.append(entry(kwargs.pop("action"), **kwargs))
    if rows:
        AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


# ------------------------------------------------------------------ the database guard
@contextmanager
def allow_audit_purge(using: str = "default"):
    """Lift the database guard on the audit table for this connection (the purge command,
    ``flush`` and ``restore`` only). PostgreSQL: a session setting the trigger reads; SQLite: a
    per-connection flag behind the ``audit_purge_allowed()`` SQL function the trigger calls."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        # Inside a transaction the setting is local to it (and undone if it rolls back).
        local = "true" if connection.in_atomic_block else "false"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT set_config('audit.allow_purge', 'on', {local})")
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT set_config('audit.allow_purge', '', {local})")
            except DatabaseError:  # an aborted transaction: its rollback undoes the setting
                pass
    else:
        connection._audit_purge_allowed = True
        try:
            yield
        finally:
            connection._audit_purge_allowed = False


def register_sqlite_guard(sender=None, connection=None, **kwargs) -> None:
    """``connection_created`` receiver: give SQLite the function the audit trigger asks."""
    if connection is None or connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "audit_purge_allowed", 0, lambda: 1 if getattr(connection, "_audit_purge_allowed", False) else 0,
    )
