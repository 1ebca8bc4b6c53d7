"""Every header and sheet-name spelling the import knew before the kinds declared their own
headers (imports/synonyms.py at 3c94f7f: SHEET_KINDS and SHEET_TITLES, frozen in
old_header_spellings.json) still reads as the same column of the same kind: an office's file
that imported then imports now."""
import json
from pathlib import Path

import pytest

from imports.kinds import kind_for_sheet_kind
from imports.synonyms import HEADER_INDEXES, lookup_header

OLD = json.loads((Path(__file__).with_name("old_header_spellings.json")).read_text(encoding="utf-8"))

CASES = [(kind, key, text) for kind, headers in OLD["kinds"].items()
         for key, texts in headers.items() for text in [key, *texts]]


@pytest.mark.parametrize("kind,key,text", CASES, ids=[f"{k}:{t}" for k, _, t in CASES])
def test_old_header_spelling_reads_as_the_same_column(kind, key, text):
    assert lookup_header(text, HEADER_INDEXES[kind]) == key


@pytest.mark.parametrize("kind", sorted(OLD["titles"]))
def test_old_sheet_names_kept(kind):
    assert set(OLD["titles"][kind]) <= set(kind_for_sheet_kind(kind).sheet_titles)
