"""Finding a teacher in a list to pick (the honours nomination list, the award form): by name, by
school (part of its name, or its 学校标识码), or by the last four characters of the 身份证件号 —
what the masked number (``320702********1234``) shows everyone anyway.

A longer run of ID characters is a key to the masked part of the number: only a user with the
identity right (``core.roles.can_see_identity``) finds a teacher by it, and only by the whole
number (as the admin's masked-field rules allow them, ``backend.admin_base``). For anyone else such
a text finds nobody, and the page says why (and records the refusal, as a masked lookup in the
admin is recorded): never by a full number, never by a prefix.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.roles import can_see_identity

from core.identity import normalise_id_number

ID_TAIL = re.compile(r"^[0-9]{3}[0-9X]$")
ID_CHARACTERS = re.compile(r"^[0-9X]+$")
SCHOOL_CODE = re.compile(r"^[0-9]{10}$")


@dataclass(frozen=True)
class Found:
    """The teachers found, and ``refused`` when the text was an ID fragment the user may not
    look anyone up by (nobody is found then)."""

    teachers: QuerySet
    refused: bool = False


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def search_teachers(teachers: QuerySet, text: str, user) -> Found:
    """``teachers`` (already cut to the user's scope) narrowed to ``text`` (see the module)."""
    text = _clean(text)
    if not text:
        return Found(teachers)
    compact = text.replace(" ", "").upper()
    if ID_TAIL.match(compact):
        return Found(teachers.filter(id_number__endswith=compact))
    if ID_CHARACTERS.match(compact):
        if SCHOOL_CODE.match(compact):  # a 学校标识码 (ten digits: never a whole ID number)
            return Found(teachers.filter(school__code=compact))
        if can_see_identity(user):
            return Found(teachers.filter(id_number=normalise_id_number(compact)))
        return Found(teachers.none(), refused=True)
    return Found(teachers.filter(Q(name__icontains=text) | Q(school__name__icontains=text) | Q(school__code=text)))
