"""A new kind is one handler module plus one declaration (issue 13, item 8): a kind declared and
registered here, and nothing else, is recognised from its headers, previewed, committed, and
listed where kinds are listed (upload form, template download, ``--kind``)."""
from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext_noop

from backend import audit
from imports.forms import kind_choices
from imports.handlers import Handler, register, unregister
from imports.kinds import KIND_ORDER, KINDS, Column, Kind, resolve_kind
from imports.services import import_run
from imports.synonyms import detect_sheet_kind
from tests.imports.helpers import write_xlsx
from workforce.models import ExchangeType

pytestmark = pytest.mark.django_db

# ---- the whole of the new kind: one declaration and one handler
TOY = Kind(
    name="exchange_types",
    sheet_kind="exchange_type",
    label=gettext_noop("交流轮岗类型"),
    template_title="交流轮岗类型",
    columns=(
        Column("type_name", "类型名称", required=True, max_length=30, headers=("交流类型名称", "类型")),
        Column("counts", "是否计入交流比例", "bool", field="counts", headers=("计入比例",)),
    ),
    aliases=("交流轮岗类型",),
    sheet_titles=("交流轮岗类型",),
    order=999,  # written after every other kind
)


class ExchangeTypeHandler(Handler):
    def check(self):
        existing = {t.name: t for t in ExchangeType.objects.all()}
        self.new, self.updates = [], []
        for row in self.rows:
            name = row.values.get("type_name")
            if name is None:
                continue
            old = existing.get(name)
            if old is None:
                self.new.append(ExchangeType(name=name, **self.fields_of(row)))
                self.count(row, "new")
                continue
            changed = self.compare(row, old, self.fields_of(row))
            for field, (_old, new) in changed.items():
                setattr(old, field, new)
            if changed:
                self.updates.append(old)
            self.count(row, "changed" if changed else "unchanged")

    def write(self):
        ExchangeType.objects.bulk_create(self.new)
        for kind in self.updates:
            kind.save(update_fields=["counts"])
        for kind in ExchangeType.objects.filter(name__in=[k.name for k in self.new]):
            self.ctx.audit_entry(audit.CREATE, kind, {"name": {"label": "类型名称", "new": kind.name}}).save()


@pytest.fixture
def toy_kind():
    register(TOY, ExchangeTypeHandler)
    yield TOY
    unregister(TOY.name)


def sheet(tmp_path, rows, name="交流轮岗类型"):
    return write_xlsx(tmp_path / "types.xlsx", {name: [["类型", "计入比例"], *rows]})


def test_a_registered_kind_is_previewed_and_committed_from_its_headers(world, tmp_path, toy_kind):
    path = sheet(tmp_path, [["城乡支教2026", "是"], ["跟岗学习2026", "否"]], name="Sheet1")
    assert detect_sheet_kind(["类型", "计入比例"]) == "exchange_type"

    preview = import_run(file=path, filename="types.xlsx", user=world.users.city, dry_run=True)
    assert preview.kind == "exchange_types" and (preview.new, preview.errors) == (2, [])
    sample = preview.samples["交流轮岗类型"]
    assert sample["rows"] == [{"类型名称": "城乡支教2026", "是否计入交流比例": "是"},
                              {"类型名称": "跟岗学习2026", "是否计入交流比例": "否"}]
    assert not ExchangeType.objects.filter(name__endswith="2026").exists()

    done = import_run(file=path, filename="types.xlsx", user=world.users.city, dry_run=False)
    assert done.committed, [e.as_json() for e in done.errors]
    assert dict(ExchangeType.objects.filter(name__endswith="2026").values_list("name", "counts")) == {
        "城乡支教2026": True, "跟岗学习2026": False}

    again = import_run(file=sheet(tmp_path, [["城乡支教2026", "否"], ["跟岗学习2026", "否"]]), filename="types.xlsx",
                       user=world.users.city, dry_run=False)
    assert (again.new, again.changed, again.unchanged) == (0, 1, 1)
    assert ExchangeType.objects.get(name="城乡支教2026").counts is False


def test_a_registered_kinds_errors_name_its_columns(world, tmp_path, toy_kind):
    report = import_run(file=sheet(tmp_path, [["城乡支教2026", "也许"]]), filename="types.xlsx",
                        user=world.users.city, dry_run=True)
    assert [(e.sheet, e.row, e.column, e.value) for e in report.errors] == [("交流轮岗类型", 2, "计入比例", "也许")]
    assert report.unknown_value_list()[0]["column"] == "计入比例"


def test_a_registered_kind_is_listed_where_kinds_are(client, world, toy_kind):
    assert KIND_ORDER[-1] == "exchange_types" and "exchange_types" in KINDS
    assert resolve_kind("交流轮岗类型") == "exchange_types"
    assert ("exchange_types", "交流轮岗类型") in [(k, str(label)) for k, label in kind_choices()]

    client.force_login(world.users.city)
    page = client.get(reverse("imports:index"))
    assert reverse("imports:template", args=["exchange_types"]) in page.content.decode()
    response = client.get(reverse("imports:template", args=["exchange_types"]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in book["交流轮岗类型"][1]][:2] == ["*类型名称", "是否计入交流比例"]


def test_a_kind_is_gone_once_unregistered(world, tmp_path):
    register(TOY, ExchangeTypeHandler)
    unregister(TOY.name)
    assert "exchange_types" not in KINDS and "exchange_types" not in KIND_ORDER
    with pytest.raises(ValueError):
        resolve_kind("交流轮岗类型")


def test_a_kind_may_not_take_another_kinds_names():
    clash = Kind(name="rosters2", sheet_kind="roster2", label="花名册2", template_title="花名册2",
                 columns=(Column("name", "姓名"),), aliases=("花名册",))
    with pytest.raises(ValueError):
        register(clash, ExchangeTypeHandler)
    assert "rosters2" not in KINDS
