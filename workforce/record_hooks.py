"""What other apps know of a teacher's record that workforce's honours must show and apply
(issue 16: a nomination shows the candidate's 年度考核 and training progress, and a configurable
rule — an 不合格 within N years — bars it), registered from the owning app's ``ready()`` so that
``workforce`` never imports it (apps depend one way, STYLE.md)::

    # careers/apps.py
    record_hooks.register("careers", summary=selectors.record_summary,
                          nomination_problems=selectors.nomination_problems)

``summary(teacher_ids, on) -> {teacher_id: [str, ...]}``: short lines for a list of candidates,
in a fixed number of queries whatever the number of teachers.
``nomination_problems(teacher_ids, on) -> {teacher_id: [workforce.rules.Problem, ...]}``: why
each may not be nominated for an honour on ``on`` (empty or absent: allowed).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

_HOOKS: dict[str, dict[str, Callable | None]] = {}


def register(name: str, *, summary: Callable | None = None, nomination_problems: Callable | None = None) -> None:
    _HOOKS[name] = {"summary": summary, "nomination_problems": nomination_problems}


def unregister(name: str) -> None:
    _HOOKS.pop(name, None)


def summaries(teacher_ids: Iterable[int], on: dt.date) -> dict[int, list[str]]:
    ids = list(teacher_ids)
    out: dict[int, list[str]] = {}
    for hooks in _HOOKS.values():
        if hooks["summary"] and ids:
            for pk, lines in hooks["summary"](ids, on).items():
                out.setdefault(pk, []).extend(lines)
    return out


def nomination_problems(teacher_ids: Iterable[int], on: dt.date) -> dict[int, list]:
    ids = list(teacher_ids)
    out: dict[int, list] = {}
    for hooks in _HOOKS.values():
        if hooks["nomination_problems"] and ids:
            for pk, problems in hooks["nomination_problems"](ids, on).items():
                if problems:
                    out.setdefault(pk, []).extend(problems)
    return out
