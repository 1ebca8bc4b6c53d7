"""The process-wide settings an import changes while it runs (``imports.concurrency``) are back
as they were when it ends, however it ends."""
from __future__ import annotations

import gc
import threading

import pytest

from imports import concurrency, run
from imports.concurrency import collector_paused
from imports.services import import_run
from tests.imports.helpers import roster, write_xlsx


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after_the_last_one_leaves(collector_on):
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # a second import in the same process
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first one still runs
    assert gc.isenabled()


def test_a_collector_switched_off_by_someone_else_stays_off():
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_imports_on_two_threads_leave_the_collector_on(collector_on):
    inside = threading.Barrier(2)
    states = []

    def run():
        with collector_paused():
            inside.wait(timeout=5)
            states.append(gc.isenabled())
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert states == [False, False] and gc.isenabled()


def test_an_import_runs_without_the_collector_and_restores_it_even_when_it_fails(world, tmp_path, collector_on,
                                                                               monkeypatch):
    seen = []
    real = run._read_sheets

    def spying(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)
    monkeypatch.setattr(run, "_read_sheets", spying)
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 3)})
    report = import_run(file=path, filename="r.xlsx", user=world.users.city, dry_run=False)
    assert report.committed and seen == [False] and gc.isenabled()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(run, "_read_sheets", broken)
    with pytest.raises(RuntimeError):
        import_run(file=path, filename="r.xlsx", user=world.users.city, dry_run=False)
    assert gc.isenabled() and concurrency._gc_users == 0
