"""Masking an audit row twice changes nothing: ``record_many`` re-masks entries built by
``entry`` (a birth date masked as 1985-**-** used to become ****-**-**)."""
from __future__ import annotations

import datetime as dt

import pytest

from backend import audit
from backend.models import AuditEntry
from core.identity import make_id_number

NUMBER = make_id_number("320706", dt.date(1985, 3, 9), 12, "1")
CHANGES = {
    "birth_date": {"label": "出生日期", "old": dt.date(1985, 3, 9), "new": dt.date(1986, 4, 10)},
    "id_number": {"label": "身份证件号", "old": NUMBER, "new": ""},
    "remarks": {"label": "备注", "old": f"证件 {NUMBER}", "new": "无"},
}


def test_clean_changes_twice_is_clean_changes_once():
    once = audit.clean_changes(CHANGES)
    assert once["birth_date"] == {"label": "出生日期", "old": "1985-**-**", "new": "1986-**-**"}
    assert once["id_number"]["old"] == NUMBER[:6] + "********" + NUMBER[-4:]
    assert NUMBER not in once["remarks"]["old"]
    assert audit.clean_changes(once) == once


def test_birth_date_as_text_keeps_only_the_year():
    assert audit.clean_changes({"birth_date": {"new": "1985-03-09"}})["birth_date"]["new"] == "1985-**-**"
    assert audit.clean_changes({"birth_date": {"new": "三月"}})["birth_date"]["new"] == "****-**-**"


@pytest.mark.django_db
def test_record_many_stores_a_built_entry_as_built(world):
    built = audit.entry(audit.UPDATE, user=world.users.city, obj=world.t1, changes=CHANGES, source="import",
                        run_ref="r1")
    audit.record_many([built, {"action": audit.UPDATE, "user": world.users.city, "obj": world.t1,
                               "changes": CHANGES, "source": "import", "run_ref": "r1"}])
    stored = list(AuditEntry.objects.filter(run_ref="r1").values_list("changes", "object_repr"))
    assert len(stored) == 2 and stored[0] == stored[1]
    changes, object_repr = stored[0]
    assert changes["birth_date"] == {"label": "出生日期", "old": "1985-**-**", "new": "1986-**-**"}
    assert NUMBER not in str(changes) and world.t1.id_number not in object_repr


@pytest.mark.parametrize("text, shown", [
    (NUMBER, NUMBER[:6] + "********" + NUMBER[-4:]),                       # a history row's object: the ID alone
    ("32070619850309121x", "320706********121x"),                          # a check digit written x
    (f"张三（{NUMBER}）", f"张三（{NUMBER[:6]}********{NUMBER[-4:]}）"),     # inside a text
    ("6222021234567890123", "6222021234567890123"),                        # 19 digits: a bank card, left alone
    ("3207061985030912", "3207061985030912"),                              # 16 digits: not an ID
    ("３２０７０６１９８５０３０９１２１３", "３２０７０６********１２１３"),  # full-width digits: masked all the same
    ("备注：３２０７０６１９８５０３０９１２１Ｘ", "备注：３２０７０６********１２１Ｘ"),  # and a full-width X
])
def test_mask_text_masks_every_id_and_nothing_else(text, shown):
    """An 18-character resident ID is masked wherever it stands, alone (the quick path) or in a text."""
    assert audit.mask_text(text) == shown
