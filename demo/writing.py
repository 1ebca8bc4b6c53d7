"""How the demo writes its rows: in bulk, as few statements as the database allows.

``bulk`` writes a list of unsaved objects (``bulk_create`` in wide batches; on PostgreSQL one
COPY a table, ``core.db.copy_insert``); ``new`` builds those objects without ``Model.__init__``;
``bulk_loading`` lifts Django's SQLite parameter limit and the debug query log while the demo is
written."""
from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.db.models.base import ModelState

from core.db import copy_insert, wide_statements

PARAMS_PER_STATEMENT = 60_000  # below PostgreSQL's 65,535 bind parameters per statement
MAX_BATCH = 5_000


def batch_size(model) -> int:
    fields = len([f for f in model._meta.concrete_fields if not f.primary_key]) or 1
    return max(1, min(MAX_BATCH, PARAMS_PER_STATEMENT // fields))


def bulk(model, objs: list) -> list:
    """``bulk_create``; on PostgreSQL, COPY (one statement a table, keys set as bulk_create's)."""
    if not objs:
        return objs
    if connection.vendor == "postgresql":
        return copy_insert(model, objs)
    return model.objects.bulk_create(objs, batch_size=batch_size(model))


class Maker:
    """Builds unsaved instances of ``model`` as ``Model(**values)`` does, without running
    ``Model.__init__`` (descriptors, the router on every foreign key, signals: 100 µs an object;
    the demo makes millions at 1,000,000 teachers): the fields' defaults, then the values; a
    related object is kept in the instance's cache, from which ``bulk_create`` and ``copy_insert``
    take its key once it has one. No signal receiver sees these objects (none is registered
    for pre_init/post_init on the demo's models: checked on first use)."""

    def __init__(self, model):
        from django.db.models.signals import post_init, pre_init

        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            raise RuntimeError(f"{model.__name__}: pre_init/post_init receivers, build it with the model itself")
        self.model = model
        fields = model._meta.concrete_fields
        self.fresh = [f for f in fields if f.has_default() and callable(f.default)]  # default=list and the like
        self.fixed = {f.attname: f.get_default() for f in fields if f not in self.fresh}
        self.related = {f.name: f for f in fields if f.is_relation}

    def __call__(self, **values):
        obj = self.model.__new__(self.model)
        state = ModelState()
        data = obj.__dict__
        data["_state"] = state
        data.update(self.fixed)
        for f in self.fresh:
            data[f.attname] = f.get_default()
        for name, value in values.items():
            field = self.related.get(name)
            if field is None:
                data[name] = value
            else:
                state.fields_cache[field.name] = value
                data[field.attname] = None if value is None else value.pk
        return obj


_makers: dict = {}


def new(model, **values):
    """``model(**values)``, faster (``Maker``)."""
    maker = _makers.get(model)
    if maker is None:
        maker = _makers[model] = Maker(model)
    return maker(**values)


@contextmanager
def bulk_loading():
    """Write big batches as few statements as possible, without keeping a log of them.

    - Django 5.2 assumes SQLite accepts 999 parameters per statement, so a 50-column batch of
      teachers would be split into statements of 19 rows; Django 6.0 reads the real limit
      (ticket #36143). Read it here too, for this connection, while the demo is written.
    - With ``DEBUG`` on, Django keeps every statement with its parameters (hundreds of MB for
      the demo's INSERTs). ``CaptureQueriesContext`` (tests) still sees every query.
    """
    saved_debug = settings.DEBUG
    try:
        settings.DEBUG = False
        with wide_statements(connection):
            yield
    finally:
        settings.DEBUG = saved_debug
