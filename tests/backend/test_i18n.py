"""Languages: pages in Chinese by default and in English after choosing it in the language menu;
data (the measures JSON, spreadsheet downloads, imports, audit rows) in Chinese either way."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from backend import audit
from backend.models import AuditEntry
from imports import values as import_values
from imports.models import ImportRun
from imports.services import import_run
from imports.workbooks import OPTIONS_SHEET
from tests.imports.helpers import roster, write_xlsx
from workforce import choices as c
from workforce.models import Teacher

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def choose_english(client):
    """What the language menu of base.html does."""
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def page_text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# Each page: who opens it, and (Chinese label, its English translation) pairs seen on it.
PAGES = {
    "home": (None, "/", [("欢迎", "Welcome"), ("您的角色", "Your role"), ("指标看板", "Dashboard")]),
    "login": ("anonymous", "/accounts/login/", [("登录", "Sign in"), ("密码", "Password")]),
    "admin": (None, "/admin/", [("连云港市教师队伍管理系统", "Lianyungang Teacher Workforce System"),
                                ("交流轮岗", "Rotations"), ("用户与审计", "Users and audit")]),
    "dashboard": (None, "/workforce/dashboard/", [("指标看板", "Dashboard"), ("统计日期", "As of"),
                                                 ("合计", "Total"), ("学前", "Preschool")]),  # 学前: a stage of the JSON
    "training": ("teacher", "/training/mine/", [("我的培训", "My training"), ("学时进度", "Hours progress"),
                                               ("提交审核", "Submit for review")]),
    "imports": ("school", "/imports/", [("数据导入", "Data import"), ("下载模板", "Download templates"),
                                       ("上传并预览", "Upload and preview")]),
}


def _open(client, world, who, url):
    if who != "anonymous":
        client.force_login(getattr(world.users, who or "city"))
    response = client.get(url)
    assert response.status_code == 200, url
    return page_text(response)


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_chinese_by_default(client, world, name):
    who, url, labels = PAGES[name]
    text = _open(client, world, who, url)
    for chinese, english in labels:
        assert chinese in text
        assert english not in text


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_english_after_choosing_english_in_the_menu(client, world, name):
    who, url, labels = PAGES[name]
    choose_english(client)
    text = _open(client, world, who, url)
    for chinese, english in labels:
        assert english in text
        assert chinese not in text


def test_english_page_says_so_and_the_menu_can_switch_back(client, world):
    client.force_login(world.users.city)
    choose_english(client)
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert 'value="en" selected' in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "欢迎" in page_text(client.get("/"))


def test_a_browser_asking_for_english_still_gets_chinese_until_the_menu_is_used(client, world):
    client.force_login(world.users.city)
    text = page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert "欢迎" in text and "Welcome" not in text


def test_choice_labels_follow_the_page_language(client, world):
    client.force_login(world.users.city)
    assert "市教育局人事科" in page_text(client.get("/"))  # the role shown beside the user name
    choose_english(client)
    text = page_text(client.get("/"))
    assert "City bureau HR" in text and "市教育局人事科" not in text


def test_static_javascript_is_translated_through_the_catalog(client, world):
    client.force_login(world.users.city)
    assert '<script src="/jsi18n/"></script>' in client.get("/workforce/dashboard/").content.decode()
    assert "Actual" not in client.get("/jsi18n/").content.decode()
    choose_english(client)
    catalog = client.get("/jsi18n/").content.decode()
    assert '"\\u5b9e\\u9645": "Actual"' in catalog or '"实际": "Actual"' in catalog  # 实际 (the chart legend)


# ---------------------------------------------------------------- data stay Chinese
def test_measures_json_is_the_same_in_english(client, world):
    client.force_login(world.users.city)
    url = "/workforce/dashboard/measures.json?scope=city&on=2025-10-01"
    chinese = client.get(url).json()
    choose_english(client)
    english = client.get(url).json()

    assert english == chinese
    assert {line["stage"] for line in chinese["table2"]} >= {"小学", "初中", "高中"}


def test_measures_command_prints_the_same_json_when_english_is_active(world):
    def run() -> dict:
        out = io.StringIO()
        call_command("measures", "--scope", "city", "--on", "2025-10-01", "--json", stdout=out)
        return json.loads(out.getvalue())

    chinese = run()
    with translation.override("en"):
        english = run()
    assert english == chinese
    assert "学前" in {line["stage"] for line in english["table2"]}


def test_a_chinese_roster_imports_the_same_while_english_is_active(world, tmp_path):
    import_values._CHOICE_CACHE.clear()  # the lookups must not be built from English labels
    rows = roster(world.s1, 3, stage="小学", sex="女", category="专任教师", on="是")
    rows[3][4] = rows[3][4][:-1] + ("0" if rows[3][4][-1] != "0" else "1")  # one bad check digit
    bad = write_xlsx(tmp_path / "bad.xlsx", {"花名册": rows})
    good = write_xlsx(tmp_path / "good.xlsx", {"花名册": roster(world.s1, 3, stage="小学", sex="女")})

    with translation.override("en"):
        refused = import_run(file=bad, filename=bad.name, user=world.users.city, dry_run=False, source="cli")
        done = import_run(file=good, filename=good.name, user=world.users.city, dry_run=False, source="cli")

    assert refused.outcome == ImportRun.Outcome.REJECTED
    assert [e.as_json()["message"][:9] for e in refused.errors] == ["身份证件号校验位错"]
    assert done.committed and (done.new, done.errors) == (3, [])
    created = Teacher.objects.filter(school=world.s1).exclude(pk=world.t1.pk)
    assert {(t.teaching_stage, t.sex, t.staff_category, t.on_establishment) for t in created} == {
        (c.Stage.PRIMARY, c.Sex.FEMALE, c.StaffCategory.FULL_TIME_TEACHER, True)}
    entry = AuditEntry.objects.filter(object_type="workforce.teacher", action=audit.CREATE).first()
    assert entry.changes["teaching_stage"] == {"label": "任教学段", "new": "小学"}
    assert entry.changes["staff_category"] == {"label": "教职工类别", "new": "专任教师"}


def test_audit_rows_are_written_in_chinese_whatever_the_page_language(world):
    before = Teacher.objects.get(pk=world.t1.pk)
    after = Teacher.objects.get(pk=world.t1.pk)
    after.sex, after.teaching_stage = c.Sex.FEMALE, c.Stage.JUNIOR
    with translation.override("en"):
        changes = audit.diff(before, after)
    assert changes["sex"] == {"label": "性别", "old": "男", "new": "女"}
    assert changes["teaching_stage"]["label"] == "任教学段"


def test_spreadsheet_downloads_stay_chinese_while_the_page_is_english(client, world):
    client.force_login(world.users.city)
    url = "/workforce/quota/"
    chinese_page = page_text(client.get(url))
    chinese_book = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))
    choose_english(client)
    english_page = page_text(client.get(url))
    english_book = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))

    assert "空编（核定−在编）" in chinese_page and "Vacancies (approved − filled)" in english_page
    assert "空编（核定−在编）" not in english_page
    assert english_book.sheetnames == chinese_book.sheetnames
    for name in chinese_book.sheetnames:
        rows = lambda book: [list(r) for r in book[name].iter_rows(max_row=2, values_only=True)]  # noqa: E731
        assert rows(english_book) == rows(chinese_book)
    assert "空编（核定−在编）" in [cell for row in english_book.worksheets[0].iter_rows(values_only=True) for cell in row]


def test_rotation_list_download_has_chinese_choice_labels_in_english(client, world):
    client.force_login(world.users.city)
    choose_english(client)
    Teacher.objects.filter(pk=world.t1.pk).update(school_entry=dt.date(2010, 9, 1), teaching_stage=c.Stage.PRIMARY)
    book = load_workbook(io.BytesIO(client.get("/workforce/rotation/eligible/?format=xlsx&year=2025").content))
    cells = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
    assert "小学" in cells and "城区" in cells and "Primary" not in cells


def test_import_template_downloaded_from_an_english_page_offers_the_chinese_values_the_import_reads(client, world):
    client.force_login(world.users.school)
    choose_english(client)
    book = load_workbook(io.BytesIO(client.get("/imports/templates/teachers.xlsx").content))
    options = [cell for row in book[OPTIONS_SHEET].iter_rows(values_only=True) for cell in row if cell]
    assert {"小学", "专任教师", "在本单位任职"} <= set(options)
    assert not {"Primary", "Full-time teachers", "In post"} & set(options)


# ---------------------------------------------------------------- the committed catalogue
def _po_entries(path: Path) -> list[dict]:
    """Every entry but the header: msgctxt, msgid, msgid_plural, msgstr (or msgstr[0]), flags."""
    entries, current, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current and current.get("msgid"):
                entries.append(current)
            current, field = None, None
            continue
        current = current or {"flags": [], "msgctxt": None, "msgid_plural": None}
        if line.startswith("#,"):
            current["flags"] += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += json.loads(line)
        else:
            key, _space, value = line.partition(" ")
            field = {"msgstr[0]": "msgstr"}.get(key, key)
            current[field] = json.loads(value)
    return entries


@pytest.mark.parametrize("domain, at_least", [("django", 900), ("djangojs", 5)])
def test_every_message_is_translated_and_the_committed_mo_matches_the_po(domain, at_least):
    entries = _po_entries(LOCALE / f"{domain}.po")
    assert len(entries) >= at_least
    assert not [e["msgid"] for e in entries if not e["msgstr"] or "fuzzy" in e["flags"]]
    with open(LOCALE / f"{domain}.mo", "rb") as fh:
        compiled = GNUTranslations(fh)

    def looked_up(e):
        if e["msgid_plural"]:
            return compiled.ngettext(e["msgid"], e["msgid_plural"], 1)
        return compiled.pgettext(e["msgctxt"], e["msgid"]) if e["msgctxt"] else compiled.gettext(e["msgid"])

    stale = [e["msgid"] for e in entries if looked_up(e) != e["msgstr"]]
    assert not stale, f"{domain}.mo is older than {domain}.po (run compilemessages): {stale[:5]}"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_placeholders_survive_translation(domain):
    pattern = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdf]|%%|\{\w*\}")
    for e in _po_entries(LOCALE / f"{domain}.po"):
        assert sorted(pattern.findall(e["msgid"])) == sorted(pattern.findall(e["msgstr"])), e["msgid"]
