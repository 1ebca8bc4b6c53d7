"""English pages in English (issue 14, item 7): every main page of the demo city, opened by every
demo login after choosing English, holds no run of two or more Chinese characters outside data
values — the names of schools, districts, teachers, users and the other texts people typed in,
whitelisted from the database. Names the system seeded (stages, measures, plan indicators, honour
types, ethics levels, exchange types, training cycles) are not data: they must read in English.
The language menu names each language in its own words."""
from __future__ import annotations

import re
from collections import deque

import pytest
from django.test import Client
from django.utils import translation

from backend.models import User
from imports.models import ImportRun
from training import models as tm
from demo import builder
from workforce import labels, reference_data
from workforce import models as m
from workforce import selectors as sel

pytestmark = pytest.mark.django_db

DEMO = dict(teachers=400, schools=20)
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Where a crawl does not go: downloads and data files, signing out, the admin (Django's own
# pages), the audit trail (its rows are records, written in Chinese on purpose: core.i18n),
# revealing an ID number, uploaded files, a list's further pages and the language switch.
SKIP = ("format=", ".xlsx", ".csv", ".json", "/export", "logout", "/admin/", "/accounts/audit", "/reveal",
        "/media/", "/evidence/", "template", "page=", "/i18n/", "/jsi18n/")
PAGES_PER_LOGIN = 120

# Typed-in texts: what people entered, shown as they entered it in every language.
DATA_FIELDS = [
    (m.District, "name"), (m.School, "name"), (m.Teacher, "name"), (m.Teacher, "former_name"), (m.Teacher, "subject"),
    (User, "first_name"), (User, "last_name"), (tm.Programme, "name"), (tm.Programme, "provider"),
    (tm.CreditRecord, "title"), (tm.CreditRecord, "provider"), (tm.CreditRecord, "decision_reason"),
    (m.Teacher, "ethnicity"), (m.Teacher, "political_status"), (m.EducationRecord, "institution"),
    (m.EducationRecord, "major"), (m.Award, "team_name"), (m.Award, "awarding_body"), (m.Award, "revoke_reason"), (m.Exchange, "from_name"),
    (m.Exchange, "to_name"), (m.EthicsCase, "description"), (m.Nomination, "note"), (m.Plan, "name"),
    (m.Plan, "title"), (m.PlanIndicator, "coverage"), (m.QuotaProposal, "explanation"),
    (m.QuotaProposal, "leftover_reason"), (m.QuotaProposalLine, "explanation"), (m.QuotaProposalStep, "explanation"),
    (m.QuotaProposalStep, "source"), (m.QuotaProposalStep, "target"), (ImportRun, "file_name"),
]


@pytest.fixture
def demo_city():
    return builder.build_demo_city(**DEMO)


def data_words() -> set[str]:
    words = set()
    for model, field in DATA_FIELDS:
        for value in model._default_manager.values_list(field, flat=True).distinct():
            words.update(HAN.findall(value or ""))
    return words


def is_data(run: str, words: set[str], longest: int) -> bool:
    """Whether ``run`` is made of data values end to end (two names may stand side by side)."""
    ends = [True] + [False] * len(run)
    for i in range(len(run)):
        if ends[i]:
            for j in range(i + 1, min(len(run), i + longest) + 1):
                if run[i:j] in words:
                    ends[j] = True
    return ends[-1]


def shown_text(html: str) -> str:
    """What a reader sees: text, option labels and the placeholder, label and title attributes;
    not scripts, styles, nor the language menu (each language names itself: see below)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<form[^>]*class="lang".*?</form>', " ", html, flags=re.S)
    attributes = re.findall(r'\b(?:placeholder|aria-label|title)="([^"]*)"', html)
    return "\n".join([re.sub(r"<[^>]+>", "\n", html), *attributes])


def crawl_in_english(username: str) -> dict[str, set[str]]:
    """Chinese runs (not data) found on the pages ``username`` reaches from the home page."""
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    words = data_words()
    longest = max(map(len, words))
    found: dict[str, set[str]] = {}
    queue, seen = deque(["/"]), set()
    while queue and len(seen) < PAGES_PER_LOGIN:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert '<html lang="en">' in html, url
        for run in HAN.findall(shown_text(html)):
            if len(run) >= 2 and not is_data(run, words, longest):
                found.setdefault(run, set()).add(url.partition("?")[0])
        for link in re.findall(r'href="(/[^"#]*)"', html):
            link = link.replace("&amp;", "&")
            if not any(part in link for part in SKIP) and link not in seen:
                queue.append(link)
    assert len(seen) > (3 if username == "teacher" else 20), sorted(seen)
    return found


@pytest.mark.parametrize("username", ["city_hr", "leader", "haizhou_hr", "school_hr", "teacher"])
def test_english_pages_hold_no_chinese_but_data(demo_city, username):
    found = crawl_in_english(username)
    assert not found, "\n".join(f"{run}: {sorted(urls)[:3]}" for run, urls in sorted(found.items()))


def test_the_language_menu_names_each_language_in_its_own_words(client, world):
    client.force_login(world.users.city)
    for language in ("zh-hans", "en"):
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        menu = re.search(r'<form[^>]*class="lang".*?</form>', client.get("/").content.decode(), re.S).group(0)
        assert re.findall(r"<option[^>]*>([^<]*)</option>", menu) == ["中文", "English"]
        assert 'lang="en">English<' in menu and 'lang="zh-CN">中文<' in menu


def english(text: str) -> str:
    with translation.override("en"):
        return labels.shown(text)


def test_every_name_the_system_seeds_reads_in_english(db):
    """Seeded reference rows and the measures' names have their English in the catalogue (a name
    typed in later is shown as typed)."""
    seeded = [name for _table, _code, name, *_rest in reference_data.INDICATORS]
    seeded += [measure for *_head, measure, _unit, _b, _i, _t, _k, _h in reference_data.INDICATORS]
    seeded += [name for _code, name, *_rest in reference_data.HONOUR_TYPES]
    seeded += [name for name, *_rest in reference_data.ETHICS_SEVERITIES]
    seeded += [name for name, *_rest in reference_data.EXCHANGE_TYPES]
    seeded += [label for _code, label, _kind, _honour in sel.HONOUR_MEASURES]
    seeded += list(tm.TrainingCycle.objects.values_list("name", flat=True))
    seeded += list(sel.STAGE_LABEL.values())
    untranslated = [name for name in seeded if HAN.search(english(name))]
    assert not untranslated
    assert english("一所新学校的名字") == "一所新学校的名字"  # not seeded: shown as typed
    with translation.override("en"):
        assert labels.measure_label("学前", "本科及以上") == "Preschool: bachelor's or above"


def test_the_quota_json_is_data_in_chinese_whatever_the_page_language(client, world):
    m.Enrolment.objects.create(school=world.s1, school_year=2025, stage="primary", pupils=95, classes=4)
    client.force_login(world.users.city)
    chinese = client.get("/workforce/quota/", {"format": "json", "year": "2025"}).json()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/workforce/quota/", {"format": "json", "year": "2025"}).json() == chinese
    assert "人 ÷ 19" in next(s for s in chinese["schools"] if s["code"] == world.s1.code)["basis"]
    page = client.get("/workforce/quota/", {"year": "2025"}).content.decode()
    assert "95 pupils ÷ 19 = 5.00" in page  # the page's own sentence, in English
