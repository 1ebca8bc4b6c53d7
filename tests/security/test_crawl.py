"""Every page and download, as every role without the identity right, holds no full 身份证件号.

The crawl is generic, so pages other engineers add are covered as they land: for each role it
starts at ``/`` and the admin index, follows every same-site link (GET only, at most 400 pages,
the first query-string variant of a path plus every link that looks like a download) and also
visits every URL pattern that takes no argument. It reads HTML, JSON and CSV as text and opens
.xlsx workbooks with openpyxl, cell by cell. The same crawl checks that birth dates are not shown
in full and that a teacher's text which starts like a formula reaches no workbook unescaped.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict, deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from core.roles import Role, can_see_identity, is_hr
from imports.models import ImportRun
from tests.factories import TeacherFactory, UserFactory
from tests.security.html import links
from workforce.models import EducationRecord, Teacher, TitleAppointment

pytestmark = pytest.mark.django_db

MAX_PAGES = 400
QUERY_VARIANTS = 1
# Pages of one shape (ids replaced): a few of each, so the bounded crawl goes wide, not deep
# into one list of records.
PER_SHAPE = 8
# Admin bookkeeping parameters: same page, another way back (dropped) or a pop-up picker (skipped).
DROP_PARAMS = ("_changelist_filters",)
SKIP_PARAMS = ("_popup", "_to_field")
SKIP_PREFIXES = ("/accounts/logout/", "/admin/logout/", "/i18n/", "/static/", "/media/")
DOWNLOAD_HINTS = ("export", "download", "xlsx", "csv", "format=", ".json", "template")
# Leaks found and reported, not yet fixed in the file at fault (another engineer's): the crawl
# sets them apart so it keeps guarding every other page; each has its own strict-xfail test below.
KNOWN_LEAKS: dict[str, str] = {}
FORMULA = "=1+2"
ODD_BIRTHS = [dt.date(1979, 3, 27), dt.date(1991, 11, 8)]


@pytest.fixture
def crawl_world(world):
    """The shared world plus teachers with unusual birth dates, a name that looks like a formula,
    and a few sub-records so detail pages have something to show."""
    extra = [
        TeacherFactory(school=world.s1, name=f"{FORMULA}赵", birth_date=ODD_BIRTHS[0], subject="+SUM(A1)"),
        TeacherFactory(school=world.s1b, name="钱七", birth_date=ODD_BIRTHS[1], sex="2"),
        TeacherFactory(school=world.s2, name="孙八", birth_date=ODD_BIRTHS[1]),
    ]
    for t in [world.t1, world.t1b, world.t2, *extra]:
        EducationRecord.objects.create(teacher=t, education="bachelor", degree="bachelor", is_highest=True)
        TitleAppointment.objects.create(teacher=t, title="first", appointed_on=dt.date(2015, 9, 1))
    world.users.city_plain = UserFactory(username="city_plain", role=Role.CITY_HR, can_view_identity=False)
    import_runs(world)
    return world


def _upload(user, rows, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.security.test_matrix_imports import xlsx_bytes

    client = Client()
    client.force_login(user)
    response = client.post("/imports/", {"file": SimpleUploadedFile(name, xlsx_bytes(rows))})
    assert response.status_code == 302, response.content.decode()[:300]
    return response.url


def import_runs(world):
    """Runs for the import pages to show: each HR officer's committed run (the teachers it wrote
    are listed), a rejected run with an error report, and city HR's runs (with the identity
    right) that a city-wide reader sees in the admin: one that changed existing teachers and one
    refused because a row repeats an existing teacher's 身份证件号."""
    from tests.imports.helpers import roster, roster_row

    for user, school in ((world.users.school, world.s1), (world.users.district, world.s1b),
                         (world.users.district2, world.s2), (world.users.city, world.s2),
                         (world.users.city_plain, world.s1)):
        run_url = _upload(user, roster(school, 2), f"{user.username}-new.xlsx")
        owner = Client()
        owner.force_login(user)
        owner.post(run_url + "confirm/")
        bad = roster(school, 2)
        bad[1][3] = "未知"
        _upload(user, bad, f"{user.username}-bad.xlsx")
        waiting = _upload(user, roster(school, 1), f"{user.username}-big.xlsx")  # a big file still in the worker
        ImportRun.objects.filter(pk=int(waiting.rstrip("/").rsplit("/", 1)[1])).update(outcome="queued", progress=0)
    known = [world.t1, world.t2]
    changed = [roster_row(t.school, n=i + 1, name=t.name, sex="男" if t.sex == "1" else "女", birth=t.birth_date,
                          id_number=t.id_number, subject="物理") for i, t in enumerate(known)]
    url = _upload(world.users.city, [roster(world.s1, 0)[0], *changed], "city-change.xlsx")
    city = Client()
    city.force_login(world.users.city)
    city.post(url + "confirm/")
    twice = [roster(world.s1, 0)[0], *changed, changed[0]]
    _upload(world.users.city, twice, "city-twice.xlsx")


def secrets_of_everyone() -> dict[str, str]:
    out = {}
    for number, birth in Teacher.objects.values_list("id_number", "birth_date"):
        out[number] = "身份证件号"
        out[number.lower()] = "身份证件号"
    for birth in ODD_BIRTHS:
        for text in (birth.isoformat(), f"{birth.year}年{birth.month}月{birth.day}日", f"{birth:%Y/%m/%d}",
                     f"{birth:%Y%m%d}"):
            out[text] = "出生日期"
    return out


def plain_urls() -> list[str]:
    """Every URL pattern that takes no argument."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            piece = _plain_piece(p.pattern)
            if piece is None:
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + piece)
            elif isinstance(p, URLPattern):
                found.append("/" + prefix + piece)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def _plain_piece(pattern) -> str | None:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        return None if "<" in route else route
    regex = str(pattern).lstrip("^").rstrip("$").replace("\\Z", "")
    return None if re.search(r"[()\[\]?*+\\|{}]", regex) else regex


def body_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if raw[:2] == b"PK" or "spreadsheetml" in kind:
        return workbook_text(raw)
    return raw.decode("utf-8", errors="replace")


def workbook_text(raw: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(raw))
    cells = []
    for sheet in book.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                # escaped: an apostrophe in the value (escape_cell), or a text cell with Excel's quote
                # prefix (core.spreadsheets' writer: Excel shows it as text and never evaluates it)
                if isinstance(value, str) and value.startswith((FORMULA, "+SUM(")) and not (
                        cell.data_type == "s" and cell.quotePrefix):
                    cells.append("UNESCAPED-FORMULA:" + value)
                cells.append(str(value))
    return "\n".join(cells)


def is_download(url: str) -> bool:
    """By its path (a filter value such as ``?action__exact=export`` is no download) or a format asked."""
    path, _, query = url.lower().partition("?")
    return any(hint in path for hint in DOWNLOAD_HINTS) or "format=" in query


def crawl(client: Client, secrets: dict[str, str], limit: int = MAX_PAGES, stop_on_problem: bool = False,
          extra: list[str] = (), marks: tuple[str, ...] = ()):
    """Returns (the URLs visited, problems found). ``extra``: more URLs to start from (detail
    pages of one object of each kind); ``marks``: texts no page may hold (a debug page's)."""
    queue = deque(["/", "/admin/", *extra, *(u for u in plain_urls() if not u.startswith(SKIP_PREFIXES))])
    visited: set[str] = set()
    variants: dict[str, int] = defaultdict(int)
    shapes: dict[str, int] = defaultdict(int)
    problems: list[str] = []
    while queue and len(visited) < limit and not (stop_on_problem and problems):
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            problems.append(f"{url}: HTTP {response.status_code}" + (f" {exc[0].__name__}: {exc[1]}" if exc else ""))
            continue
        if response.status_code in (301, 302) and response.get("Location"):
            target = urljoin(url, response["Location"])
            if urlsplit(target).netloc in ("", "testserver"):
                queue.append(urlsplit(target)._replace(scheme="", netloc="").geturl())
            continue
        if response.status_code != 200:
            continue
        text = body_text(response)
        for secret, what in secrets.items():
            if secret in text:
                problems.append(f"{url}: 完整{what} {secret[:6]}…")
        if "UNESCAPED-FORMULA:" in text:
            problems.append(f"{url}: 未转义的公式单元格")
        problems += [f"{url}: 页面含“{mark}”" for mark in marks if mark in text]
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in links(text):
            nxt = _same_site(url, href)
            if nxt is None or nxt in visited:
                continue
            path, _, query = nxt.partition("?")
            shape = re.sub(r"\d+", "<id>", path)
            if shape != path:
                if shapes[shape] >= PER_SHAPE:
                    continue
                shapes[shape] += 1
            if query and not is_download(nxt):
                if variants[path] >= QUERY_VARIANTS:
                    continue
                variants[path] += 1
            if is_download(nxt):  # leaves, and what most needs scanning: before the pages still queued
                queue.appendleft(nxt)
            else:
                queue.append(nxt)
    return visited, problems


def _same_site(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "javascript:", "tel:", "#")):
        return None
    parts = urlsplit(urljoin("http://testserver" + base, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    params = [p for p in parts.query.split("&") if p and not p.startswith(DROP_PARAMS)]
    if any(p.startswith(SKIP_PARAMS) for p in params):
        return None
    query = "&".join(params)
    return parts.path + (f"?{query}" if query else "")


ROLES = ["city_plain", "district", "district2", "school", "teacher", "leader", "district_leader"]


@pytest.mark.parametrize("role", ROLES)
def test_no_full_id_anywhere_for_a_role_without_the_right(crawl_world, role):
    user = getattr(crawl_world.users, role)
    assert not can_see_identity(user)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    visited, problems = crawl(client, secrets_of_everyone())
    assert len(visited) > 5, "the crawl reached almost nothing"
    problems = [p for p in problems if not any(re.match(known, p.partition(":")[0]) for known in KNOWN_LEAKS)]
    assert problems == [], "\n".join(problems)
    if is_hr(user):  # the import pages and their downloads were reached, not only listed
        reached = {re.sub(r"/\d+/", "/<id>/", re.sub(r"/templates/[\w-]+\.xlsx", "/templates/<kind>.xlsx", u))
                   for u in visited if u.startswith("/imports/")}
        assert {"/imports/", "/imports/runs/<id>/", "/imports/runs/<id>/errors.xlsx",
                "/imports/runs/<id>/progress.json", "/imports/templates/<kind>.xlsx"} <= reached, sorted(reached)


def test_the_crawl_would_see_a_leak(crawl_world, monkeypatch):
    """The detector itself: with masking broken on purpose, the crawl finds the full numbers."""
    from workforce.models import Teacher

    monkeypatch.setattr(Teacher, "masked_id_number", property(lambda self: self.id_number))
    client = Client(raise_request_exception=False)
    client.force_login(crawl_world.users.city)
    _, problems = crawl(client, secrets_of_everyone(), stop_on_problem=True)
    assert any("身份证件号" in p for p in problems)


@pytest.mark.parametrize("role", ["city_plain", "leader"])
def test_the_import_run_admin_shows_no_full_id(crawl_world, role):
    client = Client()
    client.force_login(getattr(crawl_world.users, role))
    refused = ImportRun.objects.get(file_name="city-twice.xlsx")  # a row repeats an existing teacher's number
    page = client.get(f"/admin/imports/importrun/{refused.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert not [n for n in Teacher.objects.values_list("id_number", flat=True) if n in body]


def test_url_patterns_without_arguments_are_found():
    urls = plain_urls()
    assert "/accounts/audit/" in urls and "/admin/" in urls
