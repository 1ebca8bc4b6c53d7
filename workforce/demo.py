"""The demo city (issue 2, point 5): a synthetic 连云港 built from a seed, in bulk.

``build_demo_city(seed=…, teachers=…, schools=…)`` plans the whole city in Python — schools,
teachers and every sub-record — with one ``random.Random`` per part (seeded from the seed and
the part's name, so changing one part does not reshuffle the others), then writes it with
``bulk_create`` in a few batches per model inside one transaction. Nothing is written per
teacher, so the number of statements does not grow with the size of the city. On PostgreSQL
each table is written with one COPY (``core.db.copy_insert``), and the tables are ANALYZEd
once the transaction commits (``core.db.analyze``): a page opened right after the build is
planned on the new rows.

Each district gets, per measure, a "profile" value between -0.9 and +0.9 (evenly spread,
shuffled by the seed), and the shares that decide the measures follow it: so for every
target of DOMAIN.md some districts land above it and some below.

The reference date (``AS_OF``) is fixed, not today, so that a seed always gives the same city.
"""
from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.dispatch import Signal
from django.utils import timezone

from core.db import analyze, analyze_now, copy_insert, wide_statements
from core.roles import Role
from training import models as tm
from workforce import choices as c
from workforce import models as m
from workforce.honours import add_months, ban_until
from core.identity import make_id_number

DEFAULT_SEED = 20251
DEFAULT_TEACHERS = 50_000
DEFAULT_SCHOOLS = 700
AS_OF = dt.date(2026, 11, 1)  # the demo's "today": school year 2026-2027, second credit cycle
FIRST_SCHOOL_YEAR = 2020
DEMO_PASSWORD = "Demo@2025"
PARAMS_PER_STATEMENT = 60_000  # below PostgreSQL's 65,535 bind parameters per statement
MAX_BATCH = 5_000
TEACHER_CHUNK = 10_000  # credit records are planned and written this many teachers at a time

S = c.Stage
T = c.SchoolType
L = c.Location

# ---------------------------------------------------------------- levels of education
LO, AS, BA, PG = 1, 2, 3, 4  # 中专/高中 and below, 专科, 本科, 研究生 (as workforce.measures)


# ---------------------------------------------------------------- places and names
# district code → (urban areas, towns); names of real streets and towns of 连云港.
PLACES: dict[str, tuple[list[str], list[str]]] = {
    "320706": (["新浦", "浦西", "浦东", "新东", "新南", "路南", "幸福路", "朐阳", "洪门", "宁海", "海州", "郁洲",
                "花果山", "新海", "苍梧", "盐河"], ["浦南镇", "锦屏镇", "新坝镇", "板浦镇", "岗埠"]),
    "320703": (["墟沟", "连云", "连岛", "中山", "板桥", "海州湾", "云山", "西园"], ["宿城街道", "高公岛街道", "前三岛乡"]),
    "320707": (["青口", "城西", "城东", "海洋", "罗阳"], ["赣马镇", "城头镇", "墩尚镇", "沙河镇", "海头镇", "柘汪镇",
                                                       "石桥镇", "金山镇", "黑林镇", "厉庄镇", "班庄镇", "宋庄镇", "塔山镇"]),
    "320722": (["牛山", "城北", "晶都", "西湖"], ["石榴镇", "白塔埠镇", "黄川镇", "房山镇", "平明镇", "驼峰乡", "桃林镇",
                                              "洪庄镇", "安峰镇", "双店镇", "石湖乡", "曲阳乡", "李埝乡", "山左口乡",
                                              "温泉镇", "张湾乡", "青湖镇", "横沟乡"]),
    "320723": (["伊山", "侍庄", "新城", "城西"], ["杨集镇", "燕尾港镇", "同兴镇", "四队镇", "圩丰镇", "龙苴镇", "下车镇",
                                              "图河镇", "东王集镇", "小伊乡", "南岗乡", "陡沟乡", "伊芦乡", "白蚬乡",
                                              "穆圩乡"]),
    "320724": (["新安", "城东", "硕湖", "惠泽"], ["堆沟港镇", "田楼镇", "北陈集镇", "张店镇", "三口镇", "孟兴庄镇", "汤沟镇",
                                              "百禄镇", "新集镇", "李集乡", "花园乡"]),
    "320771": (["朝阳", "中云", "猴嘴", "新城", "大浦"], ["宋跳", "朝阳镇"]),
    "320772": (["徐圩", "方洋"], ["东辛农场", "徐圩街道"]),
    "320773": (["云台", "南城"], ["宿城", "云台农场"]),
    "320700": (["新海", "海州", "东港", "新浦", "苍梧", "朐阳", "郁洲", "云台", "花果山", "墟沟", "海滨", "港城",
                "凤凰", "玉带河"], []),
}
VILLAGE_HEADS = list("王张李刘陈杨徐孙朱马前后东西南北大小新老高沙河湖林石桃柳杏枣")
VILLAGE_TAILS = list("庄圩集湖河沟营岭墩埠店楼场桥洼岗塘")
CITY_HIGHER_VOCATIONAL = ["连云港职业技术学院", "连云港师范高等专科学校", "江苏财会职业学院", "连云港中医药高等职业技术学校"]

# ID region codes: where a district's teachers were born (old codes: 新浦区 320705 and 赣榆县
# 320721 were in use before 2014, and an adult's ID keeps the code it was issued with).
HOME_REGIONS = {
    "320706": [("320706", 55), ("320705", 45)],
    "320703": [("320703", 100)],
    "320707": [("320721", 80), ("320707", 20)],
    "320722": [("320722", 100)],
    "320723": [("320723", 100)],
    "320724": [("320724", 100)],
    "320771": [("320706", 40), ("320703", 30), ("320705", 30)],
    "320772": [("320723", 50), ("320703", 50)],
    "320773": [("320706", 50), ("320703", 50)],
    "320700": [("320705", 25), ("320706", 20), ("320703", 10), ("320721", 15), ("320722", 10), ("320723", 10),
               ("320724", 10)],
}
CITY_REGIONS = ["320703", "320705", "320706", "320721", "320722", "320723", "320724"]
OTHER_REGIONS = ["320382", "320381", "321322", "321323", "320826", "320981", "371122", "371327"]
REGION_NAMES = {
    "320703": "江苏连云港连云区", "320705": "江苏连云港新浦区", "320706": "江苏连云港海州区", "320707": "江苏连云港赣榆区",
    "320721": "江苏赣榆县", "320722": "江苏东海县", "320723": "江苏灌云县", "320724": "江苏灌南县",
    "320382": "江苏邳州", "320381": "江苏新沂", "321322": "江苏沭阳", "321323": "江苏泗阳", "320826": "江苏涟水",
    "320981": "江苏东台", "371122": "山东莒县", "371327": "山东莒南",
}

SURNAMES = ("王李张刘陈杨徐孙朱赵周吴黄胡高马郭林何罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏薛叶"
            "潘杜戴夏钟汪田任姜范方石姚谭邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟万段钱汤尹常武乔贺龚葛惠仲")
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁凯浩宇俊峰建国志海东林文亮成龙洋晨阳健昊轩博然松柏立新春永庆兵"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳倩洁红梅莉萍琴云月佳悦欣怡晶璐蕾丹莹瑶薇楠雯萌秀英兰凤霏琪媛婧"

SUBJECTS = {
    S.PRESCHOOL: [("学前教育", 100)],
    S.PRIMARY: [("语文", 34), ("数学", 28), ("英语", 10), ("科学", 5), ("道德与法治", 4), ("音乐", 5), ("体育", 6),
                ("美术", 5), ("信息科技", 3)],
    S.JUNIOR: [("语文", 16), ("数学", 16), ("英语", 15), ("物理", 8), ("化学", 6), ("生物", 5), ("历史", 6),
               ("地理", 5), ("道德与法治", 6), ("体育", 7), ("音乐", 3), ("美术", 3), ("信息科技", 4)],
    S.SENIOR: [("语文", 14), ("数学", 14), ("英语", 14), ("物理", 10), ("化学", 9), ("生物", 8), ("历史", 7),
               ("地理", 7), ("思想政治", 7), ("体育", 5), ("信息技术", 3), ("通用技术", 2)],
    S.VOCATIONAL: [("机电技术应用", 12), ("计算机应用", 12), ("会计事务", 8), ("护理", 8), ("汽车运用与维修", 8),
                   ("数控技术应用", 7), ("电子商务", 7), ("旅游服务与管理", 5), ("语文", 10), ("数学", 10),
                   ("英语", 8), ("思想政治", 5)],
    S.HIGHER_VOCATIONAL: [("机械制造", 10), ("计算机", 12), ("会计", 10), ("护理", 10), ("学前教育", 10), ("小学教育", 10),
                          ("港口物流", 8), ("化工技术", 8), ("思想政治理论", 8), ("大学英语", 7), ("高等数学", 7)],
    S.SPECIAL: [("特殊教育", 70), ("康复训练", 20), ("生活适应", 10)],
}
UNIVERSITIES = {
    "normal": ["江苏师范大学", "南京师范大学", "淮阴师范学院", "盐城师范学院", "江苏第二师范学院", "华东师范大学",
               "东北师范大学", "华中师范大学", "山东师范大学", "曲阜师范大学", "南通大学", "扬州大学"],
    "general": ["江苏海洋大学", "苏州大学", "南京大学", "东南大学", "河海大学", "南京信息工程大学", "江南大学",
                "中国矿业大学", "南京工业大学", "江苏大学", "常州大学", "徐州医科大学"],
    "college": ["连云港师范高等专科学校", "徐州幼儿师范高等专科学校", "连云港职业技术学院", "江苏联合职业技术学院",
                "盐城幼儿师范高等专科学校", "南京特殊教育师范学院"],
    "secondary": ["连云港师范学校", "东海师范学校", "灌云师范学校", "赣榆师范学校", "连云港中等专业学校"],
    "open": ["江苏开放大学", "江苏师范大学继续教育学院", "淮阴师范学院继续教育学院", "南京师范大学继续教育学院"],
}
DEGREE_NAMES = {c.Degree.BACHELOR: ["教育学学士", "文学学士", "理学学士", "工学学士", "管理学学士"],
                c.Degree.MASTER: ["教育硕士", "教育学硕士", "文学硕士", "理学硕士", "工学硕士"],
                c.Degree.DOCTOR: ["教育学博士", "理学博士", "工学博士"]}

# Pupil–teacher ratios (Table 1 targets where there is one) and class sizes.
PTR_TARGET = {S.PRIMARY: 17.0, S.JUNIOR: 12.0, S.SENIOR: 11.0, S.HIGHER_VOCATIONAL: 16.0,
              S.PRESCHOOL: 14.0, S.VOCATIONAL: 15.0, S.SPECIAL: 3.2}
CLASS_SIZE = {S.PRESCHOOL: 30, S.PRIMARY: 44, S.JUNIOR: 48, S.SENIOR: 50, S.VOCATIONAL: 42,
              S.HIGHER_VOCATIONAL: 45, S.SPECIAL: 10}
LOCATION_PUPIL_FACTOR = {L.URBAN: 1.12, L.TOWN: 1.0, L.RURAL: 0.78}

SCHOOL_TYPE_PLAN = [  # type, schools in a 700-school city
    (T.HIGHER_VOCATIONAL, 3), (T.VOCATIONAL, 10), (T.SPECIAL, 8), (T.SENIOR, 22), (T.COMPLETE_SECONDARY, 7),
    (T.TWELVE_YEAR, 3), (T.JUNIOR, 62), (T.NINE_YEAR, 55), (T.PRIMARY, 262), (T.KINDERGARTEN, 268),
]
# Relative size of a district (share of schools of the everyday types).
DISTRICT_WEIGHT = {"320706": 20, "320703": 7, "320707": 17, "320722": 18, "320723": 15, "320724": 11,
                   "320771": 4, "320772": 1.5, "320773": 1.2, "320700": 5}
# Staff (all categories) of a school of each type, by location, before noise.
STAFF_WEIGHT = {
    T.KINDERGARTEN: {L.URBAN: 34, L.TOWN: 24, L.RURAL: 12},
    T.PRIMARY: {L.URBAN: 110, L.TOWN: 75, L.RURAL: 38},
    T.JUNIOR: {L.URBAN: 120, L.TOWN: 85, L.RURAL: 50},
    T.NINE_YEAR: {L.URBAN: 150, L.TOWN: 105, L.RURAL: 65},
    T.COMPLETE_SECONDARY: {L.URBAN: 230, L.TOWN: 190, L.RURAL: 150},
    T.SENIOR: {L.URBAN: 260, L.TOWN: 210, L.RURAL: 160},
    T.TWELVE_YEAR: {L.URBAN: 280, L.TOWN: 230, L.RURAL: 200},
    T.VOCATIONAL: {L.URBAN: 200, L.TOWN: 170, L.RURAL: 150},
    T.HIGHER_VOCATIONAL: {L.URBAN: 560, L.TOWN: 500, L.RURAL: 500},
    T.SPECIAL: {L.URBAN: 40, L.TOWN: 30, L.RURAL: 25},
}
STAGE_SPLIT = {T.NINE_YEAR: {S.PRIMARY: 60, S.JUNIOR: 40}, T.COMPLETE_SECONDARY: {S.JUNIOR: 40, S.SENIOR: 60},
               T.TWELVE_YEAR: {S.PRIMARY: 35, S.JUNIOR: 30, S.SENIOR: 35}}
FEMALE_SHARE = {S.PRESCHOOL: 0.97, S.PRIMARY: 0.78, S.JUNIOR: 0.6, S.SENIOR: 0.5, S.VOCATIONAL: 0.5,
                S.HIGHER_VOCATIONAL: 0.55, S.SPECIAL: 0.75}
PRIVATE_SHARE = {T.KINDERGARTEN: 0.35, T.PRIMARY: 0.04, T.JUNIOR: 0.1, T.NINE_YEAR: 0.08, T.COMPLETE_SECONDARY: 0.1,
                 T.SENIOR: 0.12, T.TWELVE_YEAR: 0.6, T.VOCATIONAL: 0.2, T.HIGHER_VOCATIONAL: 0.0, T.SPECIAL: 0.0}
# (urban, town, rural) weights of a school's location, by district kind and school type group.
LOCATION_WEIGHTS = {
    "320706": (60, 15, 25), "320703": (50, 25, 25), "320707": (20, 35, 45), "320722": (12, 38, 50),
    "320723": (12, 38, 50), "320724": (12, 40, 48), "320771": (50, 30, 20), "320772": (15, 50, 35),
    "320773": (25, 30, 45), "320700": (100, 0, 0),
}

PROFILE_KEYS = [
    "pre_assoc", "pre_bach", "pri_assoc", "pri_bach", "jun_bach", "jun_pg", "sen_pg", "voc_pg", "hig_pg",
    "ptr_primary", "ptr_junior", "ptr_senior", "ptr_other", "rot_2024", "rot_2025", "rot_other", "rot_backbone",
    "dual", "credit_1", "credit_2", "honours", "quota", "entry",
]


def _pick(rng: Random, weighted: list[tuple]) -> object:
    total = sum(w for _v, w in weighted)
    x = rng.random() * total
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


def _largest_remainder(weights: list[float], total: int, minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (each at least ``minimum``), exactly."""
    n = len(weights)
    base = [minimum] * n
    rest = total - minimum * n
    if rest <= 0 or not n:
        return base
    wsum = sum(weights) or 1.0
    quotas = [w / wsum * rest for w in weights]
    floors = [int(q) for q in quotas]
    left = rest - sum(floors)
    order = sorted(range(n), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors)]


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- planned rows
@dataclass(eq=False)
class _School:
    obj: m.School
    d: int  # district index
    stages: list[str]
    weight: float = 1.0
    staff: int = 0
    people: list = field(default_factory=list)


@dataclass(eq=False)
class _Person:
    """A teacher as planned: the ``Teacher`` kwargs plus what the sub-records need."""

    school: _School
    stage: str
    category: str
    sex: str
    birth: dt.date
    level: int
    work_start: dt.date
    school_entry: dt.date
    left_on: dt.date | None = None
    left_reason: str = ""
    on_est: bool = True
    backbone: bool = False
    special_grade: bool = False
    status: str = c.PersonnelStatus.IN_POST
    education: list = field(default_factory=list)  # EducationRecord kwargs
    titles: list = field(default_factory=list)  # [title, appointed_on]
    obj: m.Teacher | None = None
    banned_until: dt.date | None = None
    rotated_until: int = 0  # last school year covered by a rotation
    came_from: _School | None = None  # the school a teacher transferred in (调动) from, on school_entry

    @property
    def d(self) -> int:
        return self.school.d

    def on_roll(self, day: dt.date) -> bool:
        return self.school_entry <= day and (self.left_on is None or self.left_on > day)

    @property
    def teaching(self) -> bool:
        return self.category == c.StaffCategory.FULL_TIME_TEACHER

    def title_on(self, day: dt.date) -> str | None:
        current = None
        for title, appointed in self.titles:
            if appointed <= day:
                current = title
        return current


#: Sent by ``seed_demo`` once the city is built and committed, with ``as_of`` (the demo's "today")
#: and ``counts`` (the build's counts, a dict). Apps above ``workforce`` (careers, personnel …) add
#: their own demo data from a receiver connected in their ``AppConfig.ready()``, returning a dict of
#: label → rows made, which the command prints with the rest: ``workforce`` imports none of them.
demo_city_built = Signal()


@dataclass
class DemoResult:
    counts: dict[str, int]
    logins: list[dict[str, str]]
    seconds: float = 0.0  # the whole build, its commit and ANALYZE
    build_seconds: float = 0.0  # planning and writing (before the commit)


# ---------------------------------------------------------------- database helpers
def _batch_size(model) -> int:
    fields = len([f for f in model._meta.concrete_fields if not f.primary_key]) or 1
    return max(1, min(MAX_BATCH, PARAMS_PER_STATEMENT // fields))


def _bulk(model, objs: list) -> list:
    """``bulk_create``; on PostgreSQL, COPY (one statement a table, keys set as bulk_create's)."""
    if not objs:
        return objs
    if connection.vendor == "postgresql":
        return copy_insert(model, objs)
    return model.objects.bulk_create(objs, batch_size=_batch_size(model))


class _Maker:
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


def _new(model, **values):
    """``model(**values)``, faster (``_Maker``)."""
    maker = _makers.get(model)
    if maker is None:
        maker = _makers[model] = _Maker(model)
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


# ---------------------------------------------------------------- the builder
class CityBuilder:
    def __init__(self, *, seed: int, teachers: int, schools: int, as_of: dt.date = AS_OF, log=None):
        self.seed = seed
        self.n_teachers = teachers
        self.n_schools = schools
        self.as_of = as_of
        self.scale = teachers / DEFAULT_TEACHERS
        self.log = log or (lambda msg: None)
        self.counts: dict[str, int] = {}

    def rng(self, part: str) -> Random:
        return Random(f"{self.seed}:{part}")

    def scaled(self, n: float, minimum: int = 1) -> int:
        return max(minimum, round(n * self.scale))

    # ------------------------------------------------------------ reference data
    def load_reference(self) -> None:
        self.districts = list(m.District.objects.order_by("order", "code"))
        if not self.districts:
            raise RuntimeError("没有区县数据：请先运行 migrate。")
        self.exchange_types = {e.name: e for e in m.ExchangeType.objects.all()}
        self.honour_types = {h.code: h for h in m.HonourType.objects.all()}
        self.severities = list(m.EthicsSeverity.objects.order_by("order"))
        self.standards = {s.stage: s for s in m.StaffingStandard.objects.all()}
        self.cycles = list(tm.TrainingCycle.objects.order_by("start"))
        rng = self.rng("profile")
        n = len(self.districts)
        spread = [-0.9 + 1.8 * (i + 0.5) / n for i in range(n)] if n > 1 else [0.0]
        self.profile: dict[str, list[float]] = {}
        for key in PROFILE_KEYS:
            values = spread[:]
            rng.shuffle(values)
            self.profile[key] = values

    def q(self, key: str, d: int) -> float:
        return self.profile[key][d]

    # ------------------------------------------------------------ schools
    def plan_schools(self) -> None:
        rng = self.rng("schools")
        n = self.n_schools
        if n < len(self.districts):
            raise ValueError(f"学校数不能少于区县数（{len(self.districts)}）")
        per_type = _largest_remainder([k for _t, k in SCHOOL_TYPE_PLAN], n, minimum=1 if n >= 3 * len(SCHOOL_TYPE_PLAN) else 0)
        if sum(per_type) != n:  # tiny cities: everyday types only
            per_type = _largest_remainder([k for _t, k in SCHOOL_TYPE_PLAN], n)
        codes = [d.code for d in self.districts]
        city_index = codes.index("320700") if "320700" in codes else None
        everyday = [DISTRICT_WEIGHT.get(code, 3) for code in codes]
        plans: list[tuple[str, int]] = []  # (type, district index)
        for (stype, _k), count in zip(SCHOOL_TYPE_PLAN, per_type):
            if count == 0:
                continue
            if stype == T.HIGHER_VOCATIONAL and city_index is not None:
                weights = [1 if i == city_index else 0 for i in range(len(codes))]
            elif stype in (T.VOCATIONAL, T.SENIOR, T.COMPLETE_SECONDARY, T.SPECIAL, T.TWELVE_YEAR):
                weights = [w if codes[i] not in ("320772", "320773") else 0 for i, w in enumerate(everyday)]
                if city_index is not None:
                    weights[city_index] = {T.VOCATIONAL: 12, T.SENIOR: 14, T.SPECIAL: 6}.get(stype, 8)
            else:
                weights = everyday
            for i, k in enumerate(_largest_remainder(weights, count)):
                plans.extend([(stype, i)] * k)
        # Every district needs schools: move the last everyday school of the largest district.
        have = Counter(d for _t, d in plans)
        for i in range(len(codes)):
            if have[i] == 0:
                donor = max(range(len(codes)), key=lambda j: (have[j], -j))
                for idx in range(len(plans) - 1, -1, -1):
                    if plans[idx][1] == donor and plans[idx][0] in (T.PRIMARY, T.KINDERGARTEN, T.JUNIOR):
                        plans[idx] = (plans[idx][0], i)
                        break
                else:
                    idx = next(j for j in range(len(plans) - 1, -1, -1) if plans[j][1] == donor)
                    plans[idx] = (T.PRIMARY, i)
                have = Counter(d for _t, d in plans)
        taken: dict[int, set[str]] = defaultdict(set)
        code_seq: Counter = Counter()
        village_pool = [h + t for h in VILLAGE_HEADS for t in VILLAGE_TAILS]
        self.schools: list[_School] = []
        for stype, d in plans:
            district = self.districts[d]
            location = self._location(rng, stype, district.code)
            rural_kind = ""
            if stype == T.PRIMARY and location == L.RURAL:
                rural_kind = _pick(rng, [("", 45), (c.RuralKind.VILLAGE, 35), (c.RuralKind.TEACHING_POINT, 20)])
            private = not rural_kind and rng.random() < PRIVATE_SHARE[stype]
            name = self._school_name(rng, stype, district, location, rural_kind, taken[d], village_pool)
            taken[d].add(name)
            digit = {T.HIGHER_VOCATIONAL: "4", T.VOCATIONAL: "3", T.KINDERGARTEN: "2"}.get(stype, "1")
            key = (digit, district.code)
            code_seq[key] += 1
            code = f"{digit}132{district.code[-2:]}{code_seq[key]:04d}"
            stages = [str(s) for s in c.STAGES_OF_SCHOOL_TYPE[stype]]
            obj = m.School(code=code, name=name, district=district, school_type=stype, stages=stages,
                           ownership=c.Ownership.PRIVATE if private else c.Ownership.PUBLIC,
                           location=location, rural_kind=rural_kind, is_active=True)
            base = STAFF_WEIGHT[stype][location]
            if rural_kind == c.RuralKind.VILLAGE:
                base = 14
            elif rural_kind == c.RuralKind.TEACHING_POINT:
                base = 5
            if private:
                base *= 0.7
            weight = base * math.exp(rng.gauss(0, 0.3))
            self.schools.append(_School(obj=obj, d=d, stages=stages, weight=weight))

    def _location(self, rng: Random, stype: str, code: str) -> str:
        urban, town, rural = LOCATION_WEIGHTS.get(code, (30, 35, 35))
        if stype in (T.SENIOR, T.VOCATIONAL, T.HIGHER_VOCATIONAL, T.SPECIAL, T.TWELVE_YEAR, T.COMPLETE_SECONDARY):
            rural = 0
            if urban + town == 0:
                urban = 1
        elif stype in (T.JUNIOR, T.NINE_YEAR):
            rural = rural * 0.6
        return _pick(rng, [(L.URBAN, urban), (L.TOWN, town), (L.RURAL, rural)])

    def _school_name(self, rng, stype, district, location, rural_kind, taken, village_pool) -> str:
        code = district.code
        urban_areas, towns = PLACES.get(code, ([district.name[:2]], [district.name[:2] + "镇"]))
        prefix = "连云港市" if code == "320700" else district.name
        if stype == T.HIGHER_VOCATIONAL:
            for name in CITY_HIGHER_VOCATIONAL:
                if name not in taken:
                    return name
        suffix = {
            T.KINDERGARTEN: "幼儿园", T.PRIMARY: "小学", T.JUNIOR: "初级中学", T.NINE_YEAR: "学校",
            T.COMPLETE_SECONDARY: "中学", T.SENIOR: "高级中学", T.TWELVE_YEAR: "外国语学校",
            T.VOCATIONAL: rng.choice(["中等专业学校", "职业教育中心"]), T.HIGHER_VOCATIONAL: "职业技术学院",
            T.SPECIAL: "特殊教育学校",
        }[stype]
        if location != L.URBAN and stype == T.JUNIOR:
            suffix = "中学"
        town_list = towns or urban_areas
        if stype == T.SPECIAL:
            candidates = [f"{prefix}{suffix}", f"{prefix}特殊教育中心校"] + [f"{prefix}{a}{suffix}" for a in urban_areas]
        elif location == L.URBAN:
            variants = ["实验", "", "第一", "第二", "第三", "第四", "外国语", "东方", "明珠"]
            areas = urban_areas[:]
            rng.shuffle(areas)
            candidates = [f"{prefix}{a}{v}{suffix}" for v in variants for a in areas]
        elif location == L.TOWN or not rural_kind:
            variants = ["中心", "", "实验", "第二", "第三"] if location == L.TOWN else ["", "第二", "中心"]
            places = town_list[:]
            rng.shuffle(places)
            candidates = [f"{prefix}{t}{v}{suffix}" for v in variants for t in places]
            if location == L.RURAL:
                villages = [f"{prefix}{t}{v}{suffix}" for t in places for v in rng.sample(village_pool, 6)]
                candidates = villages + candidates
        else:
            places = town_list[:]
            rng.shuffle(places)
            tail = "小学" if rural_kind == c.RuralKind.VILLAGE else "教学点"
            candidates = [f"{prefix}{t}{v}{tail}" for t in places[:3] for v in rng.sample(village_pool, 8)]
        for name in candidates:
            if name not in taken:
                return name
        for k in itertools.count(2):
            name = f"{prefix}{rng.choice(town_list)}第{k}{suffix}"
            if name not in taken:
                return name
        raise AssertionError  # pragma: no cover

    # ------------------------------------------------------------ teachers
    def plan_teachers(self) -> None:
        rng = self.rng("teachers")
        minimum = [len(s.stages) for s in self.schools]
        if self.n_teachers < sum(minimum):
            raise ValueError(f"教师数太少：{len(self.schools)} 所学校至少需要 {sum(minimum)} 名教职工")
        weights = [s.weight for s in self.schools]
        # every school at least one teacher per stage; the rest by weight
        extra = _largest_remainder(weights, self.n_teachers - sum(minimum))
        for s, k, base in zip(self.schools, extra, minimum):
            s.staff = k + base
        self.ids: Counter = Counter()
        self.people: list[_Person] = []
        self._hq_level = {}
        for s in self.schools:
            stype = s.obj.school_type
            split = STAGE_SPLIT.get(stype, {st: 1 for st in s.stages})
            stage_weights = [(st, split[st]) for st in s.stages]
            n = s.staff
            non_teaching = 0 if n < 6 else self._non_teaching_count(rng, stype, n)
            categories = [c.StaffCategory.FULL_TIME_TEACHER] * (n - non_teaching) + [
                self._non_teaching_category(rng, stype) for _ in range(non_teaching)
            ]
            for i, category in enumerate(categories):
                stage = s.stages[i] if i < len(s.stages) else _pick(rng, stage_weights)
                p = self._person(rng, s, stage, category)
                s.people.append(p)
                self.people.append(p)

    def _non_teaching_count(self, rng, stype, n) -> int:
        share = {T.KINDERGARTEN: 0.16, T.HIGHER_VOCATIONAL: 0.18, T.VOCATIONAL: 0.12}.get(stype, 0.09)
        return min(n - 2, round(n * share * rng.uniform(0.7, 1.3)))

    def _non_teaching_category(self, rng, stype) -> str:
        sc = c.StaffCategory
        if stype == T.KINDERGARTEN:
            return _pick(rng, [(sc.CAREGIVER, 70), (sc.HEALTH, 8), (sc.ADMIN, 12), (sc.WORKER, 10)])
        return _pick(rng, [(sc.ADMIN, 45), (sc.AUXILIARY, 33), (sc.WORKER, 18), (sc.HEALTH, 4)])

    def _level(self, rng, stage: str, d: int, school: _School, teaching: bool) -> int:
        x = rng.random()
        if not teaching:
            return PG if x < 0.02 else BA if x < 0.55 else AS if x < 0.88 else LO
        q = self.q

        def shares(pg, bach_plus, lo):
            # cumulative thresholds: PG, BA, AS, LO
            pg = max(0.0, pg)
            bach_plus = min(1.0, max(pg, bach_plus))
            lo = max(0.0, lo)
            if x < pg:
                return PG
            if x < bach_plus:
                return BA
            if x < 1 - lo:
                return AS
            return LO

        if stage == S.PRESCHOOL:
            return shares(0.01, 0.65 + 0.16 * q("pre_bach", d), max(0.0, -q("pre_assoc", d)) * 0.06)
        if stage == S.PRIMARY:
            return shares(0.015 + 0.012 * q("pri_bach", d), 0.95 + 0.045 * q("pri_bach", d),
                          max(0.0, -q("pri_assoc", d)) * 0.02)
        if stage == S.JUNIOR:
            return shares(0.05 + 0.035 * q("jun_pg", d), 1 - max(0.0, -q("jun_bach", d)) * 0.035, 0.0)
        if stage == S.SENIOR:
            return shares(0.25 + 0.09 * q("sen_pg", d), 0.997, 0.0)
        if stage == S.VOCATIONAL:
            return shares(0.23 + 0.09 * q("voc_pg", d), 0.95, 0.005)
        if stage == S.HIGHER_VOCATIONAL:
            offset = self._hq_level.setdefault(id(school), rng.uniform(-0.1, 0.1))
            return shares(0.73 + 0.08 * q("hig_pg", d) + offset, 0.995, 0.0)
        return shares(0.03, 0.8, 0.01)  # 特教

    def _person(self, rng: Random, s: _School, stage: str, category: str) -> _Person:
        d = s.d
        teaching = category == c.StaffCategory.FULL_TIME_TEACHER
        female = rng.random() < (FEMALE_SHARE[stage] if teaching else 0.6)
        if category == c.StaffCategory.CAREGIVER:
            female = rng.random() < 0.99
        sex = c.Sex.FEMALE if female else c.Sex.MALE
        level = self._level(rng, stage, d, s, teaching)
        retire_age = 55 if female else 60
        first = self._first_education(rng, level)
        grad_age = {LO: 18, AS: 21, BA: 22, PG: 25}[first]
        while True:
            age = self._age(rng)
            if age < grad_age + (3 if level > first else 0):
                continue
            birth = dt.date(self.as_of.year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            retire_on = _month(add_months(_years_after(birth, retire_age), 1))
            if retire_on <= self.as_of and retire_on < dt.date(2020, 1, 1):
                continue  # retired before the records the system holds
            break
        left_on, left_reason = None, ""
        if retire_on <= self.as_of:
            left_on, left_reason = retire_on, c.LeftReason.RETIRED
        grad_year = birth.year + grad_age + (1 if birth.month >= 9 else 0)
        work_start = dt.date(grad_year + (1 if rng.random() < 0.12 else 0), rng.choice([8, 9, 9, 9]), 1)
        if work_start > self.as_of:
            work_start = dt.date(self.as_of.year, 9, 1)
        end = left_on or self.as_of
        if left_on is None and rng.random() < 0.035:
            left_on = _month(dt.date(rng.randint(2020, self.as_of.year), 1, 1) + dt.timedelta(days=rng.randrange(330)))
            if left_on > work_start + dt.timedelta(days=400) and left_on <= self.as_of:
                left_reason = _pick(rng, [(c.LeftReason.TRANSFERRED, 60), (c.LeftReason.RESIGNED, 35),
                                          (c.LeftReason.DECEASED, 5)])
                end = left_on
            else:
                left_on = None
        # years at the current school: a share never moved; the others came later
        entry_bias = 0.1 * self.q("entry", d)
        if rng.random() < 0.42 + entry_bias:
            school_entry = work_start
        else:
            years_here = rng.expovariate(1 / (8.5 + 3 * entry_bias))
            year = max(work_start.year, end.year - int(years_here))
            school_entry = dt.date(year, rng.choice([8, 9, 9, 9, 2]), 1)
            if school_entry < work_start:
                school_entry = work_start
            if school_entry >= end:
                school_entry = work_start
        p = _Person(school=s, stage=stage, category=category, sex=sex, birth=birth, level=level,
                    work_start=work_start, school_entry=school_entry, left_on=left_on, left_reason=left_reason)
        public = s.obj.ownership == c.Ownership.PUBLIC
        if public:
            p.on_est = rng.random() < {S.PRESCHOOL: 0.62, S.HIGHER_VOCATIONAL: 0.86}.get(stage, 0.93)
            if category in (c.StaffCategory.CAREGIVER, c.StaffCategory.WORKER):
                p.on_est = rng.random() < 0.15
        else:
            p.on_est = False
        p.education = self._education(rng, p, first)
        p.titles = self._titles(rng, p) if category in (c.StaffCategory.FULL_TIME_TEACHER, c.StaffCategory.AUXILIARY) else []
        return p

    def _age(self, rng: Random) -> int:
        x = rng.random()
        if x < 0.19:
            return rng.randint(22, 26)
        if x < 0.66:
            return rng.randint(26, 45)
        if x < 0.88:
            return rng.randint(46, 55)
        return rng.randint(56, 66)

    def _first_education(self, rng: Random, level: int) -> int:
        x = rng.random()
        if level == LO:
            return LO
        if level == AS:
            return LO if x < 0.3 else AS
        if level == BA:
            return LO if x < 0.08 else AS if x < 0.38 else BA
        return BA if x < 0.93 else AS

    def _education(self, rng: Random, p: _Person, first: int) -> list[dict]:
        """1–3 学习经历 from the first (full-time) to the effective level, with flags."""
        edu = c.Education
        deg = c.Degree
        normal = rng.random() < 0.75
        pool = "normal" if normal else "general"
        records: list[dict] = []
        grad_age = {LO: 18, AS: 21, BA: 22, PG: 25}[first]
        end = dt.date(p.birth.year + grad_age + (1 if p.birth.month >= 9 else 0), 7, 1)
        if end > p.work_start:
            end = _month(p.work_start - dt.timedelta(days=31))
        length = {LO: 3, AS: 3, BA: 4, PG: 3}[first]
        first_kwargs = dict(
            education={LO: edu.SECONDARY_SPECIALISED, AS: edu.ASSOCIATE, BA: edu.BACHELOR, PG: edu.MASTER}[first],
            degree={LO: deg.NONE, AS: deg.NONE, BA: deg.BACHELOR, PG: deg.MASTER}[first],
            study_mode=c.StudyMode.FULL_TIME,
            institution=rng.choice(UNIVERSITIES["secondary" if first == LO else "college" if first == AS else pool]),
            is_normal_major=normal, start=dt.date(end.year - length, 9, 1), end=end,
        )
        if first == BA and rng.random() < 0.04:
            first_kwargs["degree"] = deg.NONE
        records.append(first_kwargs)
        current = first
        # upgrades while working (part-time), or a full-time master's straight after 本科
        when = p.work_start
        horizon = p.left_on or self.as_of
        steps = []
        if p.level > current:
            if current == LO and p.level >= BA and rng.random() < 0.5:
                steps.append(BA)  # 中专 → 本科 by 自学考试
            else:
                for lvl in range(current + 1, p.level + 1):
                    steps.append(lvl)
            steps = steps[-2:]
        for lvl in steps:
            start = add_months(when, 12 * rng.randint(1, 4))
            years = 3 if lvl < PG else rng.choice([2, 3])
            stop = dt.date(start.year + years, rng.choice([1, 6, 7]), 1)
            if stop >= horizon:  # no time left: the step was full-time, before work
                span = (horizon - when).days // 365
                start = add_months(when, 6)
                stop = add_months(start, 12 * max(1, min(years, span - 1)))
                if stop >= horizon:
                    stop = _month(horizon - dt.timedelta(days=40))
                    start = min(start, add_months(stop, -12))
            kwargs = dict(study_mode=c.StudyMode.PART_TIME, institution=rng.choice(UNIVERSITIES["open"] + UNIVERSITIES[pool]),
                          is_normal_major=normal, start=start, end=stop)
            if lvl == AS:
                kwargs.update(education=edu.ASSOCIATE, degree=deg.NONE)
            elif lvl == BA:
                kwargs.update(education=edu.BACHELOR, degree=deg.BACHELOR if rng.random() < 0.45 else deg.NONE)
            elif rng.random() < 0.3 and current == BA:
                # 同等学力 / 在职教育硕士 (单证): a 硕士学位 without 研究生学历
                kwargs.update(education=edu.BACHELOR, degree=deg.MASTER,
                              institution=rng.choice(UNIVERSITIES["normal"]))
            elif rng.random() < 0.06:
                kwargs.update(education=edu.DOCTORATE, degree=deg.DOCTOR, institution=rng.choice(UNIVERSITIES["general"]))
            else:
                kwargs.update(education=edu.MASTER, degree=deg.MASTER, institution=rng.choice(UNIVERSITIES["normal"]))
            records.append(kwargs)
            current = lvl
            when = stop
        # a few are studying now (not finished: it does not count yet)
        if p.level == BA and p.left_on is None and rng.random() < 0.03:
            start = dt.date(self.as_of.year - 1, 9, 1)
            records.append(dict(education=edu.MASTER, degree=deg.MASTER, study_mode=c.StudyMode.PART_TIME,
                                institution=rng.choice(UNIVERSITIES["normal"]), is_normal_major=normal, start=start,
                                end=dt.date(self.as_of.year + 2, 6, 1)))
        rank = {edu.DOCTORATE: 7, edu.MASTER: 6, edu.BACHELOR: 5, edu.ASSOCIATE: 4, edu.SECONDARY_SPECIALISED: 3}
        finished = [r for r in records if r["end"] <= self.as_of]
        highest = max(finished, key=lambda r: (rank[r["education"]], r["end"]))
        for r in records:
            r["is_first"] = r is records[0]
            r["is_highest"] = r is highest
            if r["degree"] != deg.NONE:
                r["degree_name"] = rng.choice(DEGREE_NAMES[r["degree"]])
            r["major"] = rng.choice(SUBJECTS[p.stage])[0]
        return records

    def _titles(self, rng: Random, p: _Person) -> list[list]:
        """Title history: 二级 → 一级 → 高级 (or 助教 → 讲师 → 副教授 → 教授)."""
        ti = c.Title
        horizon = p.left_on or self.as_of
        higher = p.stage == S.HIGHER_VOCATIONAL
        ladder = ([ti.ASSISTANT, ti.LECTURER, ti.ASSOCIATE_PROFESSOR, ti.PROFESSOR] if higher
                  else [ti.SECOND, ti.FIRST, ti.SENIOR])
        gaps = [1, 5, 6, 8] if higher else [1, 5, 6]
        chances = [1.0, 0.9, 0.5, 0.3] if higher else [1.0, 0.85, 0.45 + 0.1 * self.q("honours", p.d)]
        titles: list[list] = []
        day = p.work_start
        if p.education and p.education[0]["education"] == c.Education.SECONDARY_SPECIALISED and not higher:
            day = add_months(day, 12)
            titles.append([ti.THIRD, day])
        for title, gap, chance in zip(ladder, gaps, chances):
            day = dt.date(day.year + gap + (rng.randint(0, 3) if gap > 1 else 0), rng.choice([9, 12]), 1)
            if day > horizon or rng.random() > chance:
                break
            titles.append([title, day])
        if not titles:
            titles.append([ti.UNRANKED, p.work_start])
        return titles

    # ------------------------------------------------------------ ethics, honours, rotations
    def plan_ethics(self) -> None:
        rng = self.rng("ethics")
        pool = [p for p in self.people if p.teaching and p.left_on is None]
        self.ethics: list[tuple[_Person, object, dt.date, dt.date, bool, str]] = []
        n = self.scaled(28, minimum=3)
        texts = ["违规有偿补课", "体罚学生", "收受家长礼品礼金", "在职称评审中弄虚作假", "工作中失职失责", "言行失范造成不良影响"]
        for p in rng.sample(pool, min(n, len(pool))):
            severity = _pick(rng, [(s, w) for s, w in zip(self.severities, [40, 30, 15, 8, 7])])
            decided = dt.date(rng.randint(2021, self.as_of.year), rng.randint(1, 12), rng.randint(1, 28))
            if decided > self.as_of:
                decided = self.as_of - dt.timedelta(days=rng.randint(20, 200))
            occurred = decided - dt.timedelta(days=rng.randint(10, 120))
            substantiated = rng.random() < 0.85
            ban = ban_until(decided, severity.ban_months)
            if substantiated:
                p.banned_until = ban
                if severity.ban_months >= 600:
                    p.left_on, p.left_reason = _month(add_months(decided, 1)), c.LeftReason.DISMISSED
                    if p.left_on <= p.school_entry:
                        p.left_on = None
                        p.left_reason = ""
            self.ethics.append((p, severity, occurred, decided, ban, substantiated, rng.choice(texts)))

    def plan_honours(self) -> None:
        rng = self.rng("honours")
        ti = c.Title
        self.awards: list[dict] = []
        ht = self.honour_types
        hq = self.q

        def weight(p: _Person) -> float:
            return 1.0 + 0.6 * hq("honours", p.d)

        def eligible(p: _Person, day: dt.date) -> bool:
            return p.banned_until is None or not (p.banned_until > day)

        def choose(cands: list[_Person], k: int, day: dt.date, taken: set[int]) -> list[_Person]:
            cands = [p for p in cands if id(p) not in taken and eligible(p, day)]
            keyed = sorted(cands, key=lambda p: rng.random() ** (1 / weight(p)), reverse=True)
            return keyed[:k]

        def award(code: str, p: _Person | None, day: dt.date, body: str, school: _School | None = None, team=""):
            h = ht.get(code)
            if h is None:
                return
            expires = _years_after(day, h.validity_years) if h.validity_years else None
            self.awards.append(dict(honour_type=h, person=p, school=school, team_name=team, awarded_on=day,
                                    expires_on=expires, awarding_body=body))
            if p is not None and h.makes_backbone:
                p.backbone = True

        teachers = [p for p in self.people if p.teaching]

        def senior_by(day: dt.date) -> list[_Person]:
            return [p for p in teachers if p.title_on(day) in (ti.SENIOR, ti.SENIOR_PROFESSOR, ti.PROFESSOR,
                                                                 ti.ASSOCIATE_PROFESSOR)
                    and p.on_roll(day) and (day - p.birth).days > 38 * 365]

        # 特级教师: rounds every three years; most holders still in post, some retired since
        taken_special: set[int] = set()
        rounds = [(2012, 0.12), (2015, 0.16), (2018, 0.2), (2021, 0.25), (2024, 0.27)]
        total_special = self.scaled(rng.uniform(195, 225))
        for year, share in rounds:
            day = dt.date(year, 9, 10)
            k = max(1, round(total_special * share))
            cands = senior_by(day)
            rural_k = self.scaled(rng.uniform(4, 6)) if year >= 2021 else 0
            rural = [p for p in cands if p.school.obj.location == L.RURAL]
            chosen = choose(rural, rural_k, day, taken_special)
            taken_special.update(id(p) for p in chosen)
            chosen += choose([p for p in cands if p.school.obj.location != L.RURAL], k - len(chosen), day, taken_special)
            for p in chosen:
                taken_special.add(id(p))
                p.special_grade = True
                award("tejijiaoshi", p, day, "江苏省人民政府")
        # 港城名师: 5-year terms; the 2017 round has expired, 2022 and 2025 are active
        taken_ms: set[int] = set()
        for year, total in [(2017, 300), (2022, rng.uniform(170, 200)), (2025, rng.uniform(185, 215))]:
            day = dt.date(year, 1, 15)
            cands = [p for p in teachers if p.on_roll(day) and p.title_on(day) not in (None, ti.UNRANKED, ti.THIRD, ti.SECOND)
                     and (day - p.work_start).days > 8 * 365]
            k = self.scaled(total)
            rural_k = self.scaled(rng.uniform(15, 23)) if year >= 2021 else 0
            rural = [p for p in cands if p.school.obj.location == L.RURAL]
            chosen = choose(rural, rural_k, day, taken_ms)
            taken_ms.update(id(p) for p in chosen)
            chosen += choose([p for p in cands if p.school.obj.location != L.RURAL], k - len(chosen), day, taken_ms)
            for p in chosen:
                taken_ms.add(id(p))
                award("gangcheng_mingshi", p, day, "连云港市人民政府")
        # talent programmes and 骨干 of every level (3- or 5-year terms)
        programmes = [
            ("sheng_333", [(2016, 70), (2021, 80)], 12, "江苏省人才工作领导小组"),
            ("shi_521", [(2019, 220), (2023, 240)], 8, "连云港市人才工作领导小组"),
            ("shi_xueke_daitouren", [(2020, 520), (2023, 560), (2026, 580)], 6, "连云港市教育局"),
            ("shi_gugan", [(2020, 1100), (2023, 1200), (2026, 1250)], 5, "连云港市教育局"),
            ("xian_gugan", [(2021, 2600), (2024, 2800)], 3, "区县教育局"),
            ("xian_jiaoxue_nengshou", [(2022, 1300), (2025, 1400)], 3, "区县教育局"),
        ]
        for code, rounds_, min_service, body in programmes:
            taken: set[int] = set()
            for year, total in rounds_:
                day = dt.date(year, 4 if year < self.as_of.year else 9, 1)
                if day > self.as_of:
                    continue
                cands = [p for p in teachers if p.on_roll(day) and (day - p.work_start).days > min_service * 365]
                for p in choose(cands, self.scaled(total), day, taken):
                    taken.add(id(p))
                    award(code, p, day, body if body != "区县教育局" else f"{p.school.obj.district.name}教育局")
        # 正高级教师: about 80 appointed in 2021–2025, a few before and since
        for year_from, year_to, total in [(2016, 2020, 40), (2021, 2025, rng.uniform(78, 95)), (2026, 2026, 18)]:
            for year in range(year_from, year_to + 1):
                day = dt.date(year, 12, 1)
                if day > self.as_of:
                    continue
                cands = [p for p in teachers if p.stage != S.HIGHER_VOCATIONAL and p.on_roll(day)
                         and p.title_on(day) == ti.SENIOR and p.titles[-1][1] <= _years_after(day, -5)]
                cands.sort(key=lambda p: (not p.special_grade, rng.random()))
                for p in cands[: self.scaled(total / (year_to - year_from + 1), minimum=0 if year_to == 2026 else 1)]:
                    p.titles.append([ti.SENIOR_PROFESSOR, day])
        # team honours: school set, no teacher
        teams = [
            ("shi_mingshi_gongzuoshi", [(2018, 40), (2021, 45), (2023, 35), (2025, 25)], "{name}{subject}名师工作室"),
            ("jiaoyujia_gongtongti", [(2022, 11), (2024, 10)], "{subject}教育家型教师培养对象共同体"),
            ("shi_siyou_tuandui", [(2021, 14), (2022, 12), (2023, 12), (2024, 10), (2025, 9)], "{school}{subject}“四有”好教师团队"),
            ("sheng_siyou_tuandui", [(2022, 3), (2024, 3)], "{school}“四有”好教师团队"),
            ("xiangcun_gugan_peiyuzhan", [(2021, 10), (2023, 10), (2025, 11)], "{district}乡村{subject}骨干教师培育站"),
        ]
        leaders = [p for p in teachers if p.backbone or p.special_grade]
        for code, rounds_, pattern in teams:
            for year, total in rounds_:
                day = dt.date(year, 6, 1)
                cands = [p for p in leaders if p.on_roll(day)]
                if code == "xiangcun_gugan_peiyuzhan":
                    cands = [p for p in cands if p.school.obj.location != L.URBAN] or cands
                for p in choose(cands, self.scaled(total), day, set()):
                    # the team's name needs its leader's name, known once teachers are built
                    team = (pattern, p, rng.choice(SUBJECTS[p.stage])[0])
                    award(code, None, day, "连云港市教育局" if code != "sheng_siyou_tuandui" else "江苏省教育厅",
                          school=p.school, team=team)
        # a few more 骨干 flags from honours outside the system (e.g. other cities)
        for p in teachers:
            if not p.backbone and p.left_on is None and rng.random() < 0.015:
                p.backbone = True
        # one-vote veto: a couple of awards granted during a ban (the system flags them)
        banned = [e for e in self.ethics if e[5] and e[0].banned_until and e[0].banned_until > self.as_of
                  and e[0].left_on is None]
        for p, _sev, _occ, decided, _ban, _sub, _t in banned[:2]:
            award("xian_jiaoxue_nengshou", p, min(self.as_of, decided + dt.timedelta(days=60)), "区县教育局（待核查）")
        # and one award revoked on a substantiated case (一票否决)
        for p, _sev, _occ, decided, _ban, sub, _t in self.ethics:
            if sub and decided > dt.date(2021, 6, 1):
                award("xian_gugan", p, dt.date(decided.year - 1, 4, 1), f"{p.school.obj.district.name}教育局")
                self.awards[-1].update(revoked_on=decided, revoke_reason="师德失范，一票否决")
                break

    def plan_rotations(self) -> None:
        rng = self.rng("rotations")
        self.exchanges: list[dict] = []
        counted = [self.exchange_types[n] for n in ["交流轮岗", "支教", "走教/多点执教", "集团内交流", "对口帮扶"]
                   if n in self.exchange_types]
        counted_w = [55, 18, 8, 12, 7][: len(counted)]
        transfer = self.exchange_types.get("调动")
        public_by_stage: dict[tuple[int, str], list[_School]] = defaultdict(list)
        public_any: dict[str, list[_School]] = defaultdict(list)
        for s in self.schools:
            if s.obj.ownership == c.Ownership.PUBLIC:
                for st in s.stages:
                    public_by_stage[(s.d, st)].append(s)
                    public_any[st].append(s)
        rotation_pop = [p for p in self.people if p.teaching and p.stage in (S.PRIMARY, S.JUNIOR)
                        and p.school.obj.ownership == c.Ownership.PUBLIC]
        by_district: dict[int, list[_Person]] = defaultdict(list)
        for p in rotation_pop:
            by_district[p.d].append(p)
        last_year = self.as_of.year if self.as_of >= dt.date(self.as_of.year, 9, 1) else self.as_of.year - 1
        self.rotation_targets: dict[tuple[int, int], float] = {}
        for year in range(FIRST_SCHOOL_YEAR, last_year + 1):
            day = m.rotation_day(year)
            cutoff = day.replace(year=year - 6)
            for d in range(len(self.districts)):
                pop = [p for p in by_district[d] if p.on_roll(day) and p.rotated_until < year]
                eligible = [p for p in pop if p.on_est and p.school_entry <= cutoff]
                others = [p for p in pop if not (p.on_est and p.school_entry <= cutoff)]
                if year in (2024, 2025):
                    rate = 0.15 + 0.075 * self.q(f"rot_{year}", d)
                else:
                    rate = 0.135 + 0.05 * self.q("rot_other", d)
                self.rotation_targets[(year, d)] = rate
                n_all = len([p for p in by_district[d] if p.on_roll(day) and p.on_est and p.school_entry <= cutoff])
                want = round(rate * n_all)
                n_others = min(len(others), round(want * 0.12))
                n_elig = min(len(eligible), want - n_others)
                backbone_share = 0.22 + 0.12 * self.q("rot_backbone", d)
                chosen = self._choose_backbone(rng, eligible, n_elig, backbone_share)
                chosen += self._choose_backbone(rng, others, n_others, backbone_share)
                for p in chosen:
                    kind = _pick(rng, list(zip(counted, counted_w)))
                    years = _pick(rng, [(1, 60), (2, 15), (3, 25)])
                    start = day if rng.random() < 0.9 else dt.date(year + 1, 2, 1)
                    end = dt.date(year + years, 8, 31)
                    p.rotated_until = year + years - 1
                    to = self._rotation_target(rng, p, public_by_stage, public_any, kind.name == "对口帮扶")
                    row = dict(person=p, exchange_type=kind, moves_personnel=False, start=start, end=end,
                               from_school=p.school, to_school=to, from_name=p.school.obj.name,
                               to_name=to.obj.name if to else "新疆伊犁州霍城县第一小学（援疆支教）")
                    self.exchanges.append(row)
                    if start <= self.as_of <= end and p.left_on is None:
                        p.status = c.PersonnelStatus.ROTATING
        # 调动 (moves the personnel relation; not counted): transfers in and out since 2020
        if transfer is None:
            return
        for p in self.people:
            if p.school_entry.year >= 2020 and p.school_entry > p.work_start and rng.random() < 0.55:
                src = self._other_school(rng, p, public_any)
                if src is not None:
                    p.came_from = src
                    self.exchanges.append(dict(person=p, exchange_type=transfer, moves_personnel=True,
                                               start=p.school_entry, end=None, from_school=src, to_school=p.school,
                                               from_name=src.obj.name, to_name=p.school.obj.name))
            elif p.left_reason == c.LeftReason.TRANSFERRED and rng.random() < 0.6:
                dst = self._other_school(rng, p, public_any)
                self.exchanges.append(dict(person=p, exchange_type=transfer, moves_personnel=True, start=p.left_on,
                                           end=None, from_school=p.school, to_school=dst,
                                           from_name=p.school.obj.name,
                                           to_name=dst.obj.name if dst else "南京市某区教育局（市外调出）"))

    def _choose_backbone(self, rng, pool: list[_Person], k: int, share: float) -> list[_Person]:
        if k <= 0:
            return []
        bb = [p for p in pool if p.backbone]
        rest = [p for p in pool if not p.backbone]
        n_bb = min(len(bb), round(k * share))
        chosen = rng.sample(bb, n_bb) + rng.sample(rest, min(len(rest), k - n_bb))
        if len(chosen) < k:
            left = [p for p in bb if p not in chosen]
            chosen += rng.sample(left, min(len(left), k - len(chosen)))
        return chosen

    def _rotation_target(self, rng, p, public_by_stage, public_any, cross_district: bool) -> _School | None:
        if rng.random() < 0.02:
            return None  # 援疆/援藏支教 outside the city
        if cross_district:
            cands = public_any[p.stage]
        else:
            cands = public_by_stage[(p.d, p.stage)] or public_any[p.stage]
        cands = [s for s in cands if s is not p.school]
        if not cands:
            return None
        home_rural = p.school.obj.location == L.RURAL
        want_rural = rng.random() < (0.3 if home_rural else 0.7)
        preferred = [s for s in cands if (s.obj.location == L.RURAL) == want_rural]
        return rng.choice(preferred or cands)

    def _other_school(self, rng, p, public_any) -> _School | None:
        cands = [s for s in public_any.get(p.stage, []) if s is not p.school]
        same = [s for s in cands if s.d == p.d]
        pool = same if same and rng.random() < 0.8 else cands
        return rng.choice(pool) if pool else None

    # ------------------------------------------------------------ writing schools and teachers
    def write_schools(self) -> None:
        _bulk(m.School, [s.obj for s in self.schools])
        self.counts["学校"] = len(self.schools)

    def write_teachers(self) -> None:
        rng = self.rng("identity")
        self._id_seq: Counter = Counter()
        surnames = list(SURNAMES)
        surname_w = [1 / (i + 4) for i in range(len(surnames))]
        surname_cum = list(itertools.accumulate(surname_w))
        objs = []
        staff_no: Counter = Counter()
        for p in self.people:
            s = p.school
            staff_no[id(s)] += 1
            district = s.obj.district
            region = self._region(rng, district.code)
            key = (region, p.birth, p.sex)
            while self._id_seq[key] >= 500:
                p.birth += dt.timedelta(days=1)
                key = (region, p.birth, p.sex)
            seq = self._id_seq[key]
            self._id_seq[key] += 1
            id_number = make_id_number(region, p.birth, seq, p.sex)
            surname = surnames[bisect.bisect(surname_cum, rng.random() * surname_cum[-1])]
            chars = FEMALE_CHARS if p.sex == c.Sex.FEMALE else MALE_CHARS
            given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else "")
            teaching = p.teaching
            age = self.as_of.year - p.birth.year
            vocational = p.stage == S.VOCATIONAL
            preschool = p.stage == S.PRESCHOOL
            status = p.status
            if p.left_on is None and status == c.PersonnelStatus.IN_POST:
                x = rng.random()
                if x < 0.01:
                    status = c.PersonnelStatus.LONG_SICK
                elif x < 0.016:
                    status = c.PersonnelStatus.STUDYING
                elif x < 0.026:
                    status = rng.choice([c.PersonnelStatus.LENT_AGENCY, c.PersonnelStatus.LENT_INSTITUTION])
                elif vocational and x < 0.06:
                    status = c.PersonnelStatus.ENTERPRISE
                elif (p.sex == c.Sex.FEMALE and age >= 54) or age >= 59:
                    status = c.PersonnelStatus.PRE_RETIREMENT
            grassroots = teaching and p.work_start.year >= 2008 and rng.random() < 0.04
            gs = _month(p.work_start) if grassroots else None
            employment = (c.EmploymentForm.ESTABLISHED if p.on_est else
                          _pick(rng, [(c.EmploymentForm.CONTRACT, 60), (c.EmploymentForm.AGENCY, 25),
                                      (c.EmploymentForm.DISPATCH, 15)]))
            if p.school_entry == p.work_start:
                source = c.StaffSource.GRADUATE if rng.random() < 0.85 else c.StaffSource.RECRUIT
            else:
                source = c.StaffSource.TRANSFER_IN if rng.random() < 0.7 else c.StaffSource.RECRUIT
            dual = None
            if vocational:
                dual = teaching and rng.random() < 0.5 + 0.11 * self.q("dual", s.d)
            obj = _new(m.Teacher,
                name=surname + given, sex=p.sex, staff_no=f"{s.obj.code[-6:]}{staff_no[id(s)]:04d}",
                id_number=id_number, birth_date=p.birth, native_place=REGION_NAMES.get(region, "江苏"),
                birthplace=REGION_NAMES.get(region, ""),
                ethnicity=_pick(rng, [("汉族", 995), ("回族", 4), ("满族", 1)]),
                political_status=("中国共产主义青年团团员" if age < 28 and rng.random() < 0.5 else
                                  _pick(rng, [("中国共产党党员", 38), ("群众", 56), ("中国共产党预备党员", 2),
                                              ("中国民主同盟盟员", 2), ("九三学社社员", 1), ("中国民主促进会会员", 1)])),
                marital_status="未婚" if age < 27 and rng.random() < 0.6 else "已婚",
                health=_pick(rng, [("健康或良好", 96), ("一般或较弱", 4)]),
                school=s.obj, teaching_stage=p.stage,
                subject=_pick(rng, SUBJECTS[p.stage]) if teaching else "",
                work_start=p.work_start, school_entry=p.school_entry, source=source, staff_category=p.category,
                on_establishment=p.on_est, employment_form=employment,
                contract=c.Contract.EMPLOYMENT if p.on_est else c.Contract.LABOUR,
                normal_graduate=bool(p.education and p.education[0]["is_normal_major"]
                                     and p.education[0]["study_mode"] == c.StudyMode.FULL_TIME),
                special_ed_trained=p.stage == S.SPECIAL or rng.random() < 0.03,
                special_ed_cert=p.stage == S.SPECIAL and rng.random() < 0.6,
                it_ability=_pick(rng, [(c.ItAbility.PROFICIENT, 10), (c.ItAbility.GOOD, 45), (c.ItAbility.BASIC, 35),
                                       (c.ItAbility.GENERAL, 9), (c.ItAbility.WEAK, 1)]),
                free_normal=p.work_start.year >= 2011 and rng.random() < 0.03,
                grassroots_service=grassroots, grassroots_start=gs,
                grassroots_end=add_months(gs, 24) if gs else None,
                special_grade=p.special_grade, backbone=p.backbone,
                mental_health=teaching and rng.random() < 0.02, status=status,
                preschool_major=(rng.random() < 0.7) if preschool else None,
                preschool_trained=(rng.random() < 0.9) if preschool else None,
                dual_qualified=dual,
                vocational_cert=(bool(dual) or rng.random() < 0.2) if vocational else None,
                enterprise_months=(rng.randint(1, 24) if dual else rng.randint(0, 3)) if vocational else None,
                left_on=p.left_on, left_reason=p.left_reason,
            )
            p.obj = obj
            objs.append(obj)
        _bulk(m.Teacher, objs)
        self.counts["教师（教职工）"] = len(objs)
        self.counts["  其中专任教师"] = sum(1 for p in self.people if p.teaching)
        self.counts["  其中已离开本校"] = sum(1 for p in self.people if p.left_on)

    def _region(self, rng: Random, district_code: str) -> str:
        x = rng.random()
        if x < 0.06:
            return rng.choice(OTHER_REGIONS)
        if x < 0.17:
            return rng.choice(CITY_REGIONS)
        return _pick(rng, HOME_REGIONS.get(district_code, [(district_code, 1)]))

    # ------------------------------------------------------------ sub-records
    def write_records(self) -> None:
        edu, titles = [], []
        for p in self.people:
            t = p.obj
            for r in p.education:
                edu.append(_new(m.EducationRecord, teacher=t, **r))
            for i, (title, day) in enumerate(p.titles):
                ended = p.titles[i + 1][1] if i + 1 < len(p.titles) else None
                titles.append(_new(m.TitleAppointment, teacher=t, title=title, appointed_on=day, ended_on=ended))
        _bulk(m.EducationRecord, edu)
        _bulk(m.TitleAppointment, titles)
        self.counts["学习经历"] = len(edu)
        self.counts["专业技术职务"] = len(titles)
        exchanges = [
            _new(m.Exchange, teacher=r["person"].obj, exchange_type=r["exchange_type"], moves_personnel=r["moves_personnel"],
                       start=r["start"], end=r["end"], from_school=r["from_school"].obj if r["from_school"] else None,
                       to_school=r["to_school"].obj if r["to_school"] else None, from_name=r["from_name"],
                       to_name=r["to_name"])
            for r in self.exchanges
        ]
        _bulk(m.Exchange, exchanges)
        self.counts["交流轮岗"] = len(exchanges)
        self.counts["  其中调动（不计入）"] = sum(1 for r in self.exchanges if not r["exchange_type"].counts)
        awards = []
        self._awards_before_a_move()
        for a in self.awards:
            team_name = ""
            if a["team_name"]:
                pattern, leader, subject = a["team_name"]
                team_name = pattern.format(name=leader.obj.name, subject=subject, school=leader.school.obj.name,
                                           district=leader.school.obj.district.name)[:100]
            person = a["person"]
            at_school = None
            if person is not None:  # the school on the award date (乡村 honours are judged by it)
                moved = person.came_from is not None and a["awarded_on"] < person.school_entry
                at_school = (person.came_from if moved else person.school).obj
            awards.append(_new(m.Award,
                honour_type=a["honour_type"], teacher=person.obj if person else None,
                school=a["school"].obj if a["school"] else None,
                school_at_award=at_school, stage_at_award=person.stage if person else "",
                team_name=team_name, awarded_on=a["awarded_on"],
                expires_on=a["expires_on"], awarding_body=a["awarding_body"][:100],
                revoked_on=a.get("revoked_on"), revoke_reason=a.get("revoke_reason", ""),
            ))
        _bulk(m.Award, awards)
        self.counts["荣誉（个人）"] = sum(1 for a in awards if a.teacher_id)
        self.counts["荣誉（团队/工作室）"] = sum(1 for a in awards if not a.teacher_id)
        cases = [_new(m.EthicsCase, teacher=p.obj, severity=sev, occurred_on=occ, decided_on=dec, substantiated=sub,
                              ban_until=ban, description=text if sub else f"{text}（经调查不属实）")
                 for p, sev, occ, dec, ban, sub, text in self.ethics]
        _bulk(m.EthicsCase, cases)
        self.counts["师德失范案件"] = len(cases)

    def _awards_before_a_move(self) -> None:
        """A few 港城名师 of 2022 given at a 乡村 school to teachers who have since transferred
        (调动) to a town or city school: counted as 乡村 港城名师 by the school of the award date."""
        rng = self.rng("awards_before_a_move")
        h = self.honour_types.get("gangcheng_mingshi")
        day = dt.date(2022, 1, 15)
        if h is None or day > self.as_of:
            return
        holders = {id(a["person"]) for a in self.awards if a["honour_type"] is h}
        moved = [p for p in self.people if p.teaching and p.came_from is not None and p.school_entry > day
                 and id(p) not in holders
                 and p.came_from.obj.location == L.RURAL and p.school.obj.location != L.RURAL
                 and p.stage in (S.PRIMARY, S.JUNIOR, S.SENIOR) and p.left_on is None]
        for p in rng.sample(moved, min(len(moved), self.scaled(12))):
            self.awards.append(dict(honour_type=h, person=p, school=None, team_name="", awarded_on=day,
                                    expires_on=_years_after(day, h.validity_years) if h.validity_years else None,
                                    awarding_body="连云港市人民政府"))

    # ------------------------------------------------------------ enrolment and quotas
    def write_enrolment_and_quotas(self) -> None:
        rng = self.rng("enrolment")
        last_year = self.as_of.year if self.as_of >= dt.date(self.as_of.year, 9, 1) else self.as_of.year - 1
        rows = []
        pupils_of: dict[tuple[int, int, str], tuple[int, int]] = {}
        for year in range(FIRST_SCHOOL_YEAR, last_year + 1):
            day = m.rotation_day(year)
            raw: dict[tuple[int, str], list[tuple[_School, float, int]]] = defaultdict(list)
            for s in self.schools:
                heads = Counter(p.stage for p in s.people if p.teaching and p.on_roll(day))
                for st in s.stages:
                    n = heads.get(st, 0) or 1
                    factor = LOCATION_PUPIL_FACTOR[s.obj.location]
                    if s.obj.rural_kind:
                        factor *= 0.7
                    raw[(s.d, st)].append((s, n * factor * math.exp(rng.gauss(0, 0.12)), heads.get(st, 0)))
            for (d, st), items in raw.items():
                teachers = sum(h for _s, _w, h in items) or len(items)
                ratio = self._ptr(st, d, year)
                wsum = sum(w for _s, w, _h in items) or 1
                for s, w, _h in items:
                    pupils = max(3, round(ratio * teachers * w / wsum))
                    size = CLASS_SIZE[st] * (0.55 if s.obj.rural_kind else 0.85 if s.obj.location == L.RURAL else 1)
                    classes = max(1, round(pupils / size))
                    rows.append(_new(m.Enrolment, school=s.obj, school_year=year, stage=st, pupils=pupils, classes=classes))
                    pupils_of[(id(s), year, st)] = (pupils, classes)
        _bulk(m.Enrolment, rows)
        self.counts["在校生（学校×学年×学段）"] = len(rows)
        quotas = []
        for year in (2025, 2026):
            if year > last_year:
                continue
            for s in self.schools:
                if s.obj.ownership != c.Ownership.PUBLIC:
                    continue  # 民办学校不核定编制
                standard = 0.0
                for st in s.stages:
                    pupils, classes = pupils_of.get((id(s), year, st), (0, 0))
                    std = self.standards.get(st)
                    if std is None:
                        continue
                    by_ratio = pupils / float(std.pupils_per_post) if std.pupils_per_post else 0.0
                    by_class = classes * float(std.posts_per_class) if std.posts_per_class else 0.0
                    small = (classes * float(std.small_school_posts_per_class)
                             if s.obj.rural_kind and std.small_school_posts_per_class else 0.0)
                    standard += max(by_ratio, by_class, small)
                factor = 1.07 + 0.1 * self.q("quota", s.d) + rng.gauss(0, 0.05)
                quotas.append(m.SchoolQuota(school=s.obj, school_year=year, approved=max(1, round(standard * factor)),
                                            note="核定编制（演示数据）"))
        _bulk(m.SchoolQuota, quotas)
        self.counts["核定编制（学校×学年）"] = len(quotas)
        m.QuotaPool.objects.update_or_create(school_year=2026, defaults={"posts": 200, "note": "市域周转编制（演示数据）"})
        self.counts["周转编制池"] = 1

    def _ptr(self, stage: str, d: int, year: int) -> float:
        key = {S.PRIMARY: "ptr_primary", S.JUNIOR: "ptr_junior", S.SENIOR: "ptr_senior"}.get(stage, "ptr_other")
        target = PTR_TARGET[stage]
        trend = 1 + 0.035 * max(0, 2025 - year) / 5  # a little higher in 2020, falling toward 2025
        return target * (1 + 0.09 * self.q(key, d)) * trend

    # ------------------------------------------------------------ training
    def write_training(self) -> None:
        rng = self.rng("training")
        lv = c.TrainingLevel
        n_city = self.scaled(110, minimum=6)
        n_district = self.scaled(18, minimum=2)
        programmes: list[tm.Programme] = []
        topics = ["骨干教师高级研修班", "新课标解读与教学设计", "作业设计与评价", "班主任能力提升", "心理健康教育专题",
                  "信息技术应用能力提升工程2.0", "师德师风专题培训", "课堂教学改革研修", "教科研能力提升",
                  "跨学科主题学习", "人工智能与教育教学", "乡村教师素养提升"]
        years = list(range(2021, self.as_of.year + 1))
        for i in range(n_city):
            year = years[i % len(years)]
            level = _pick(rng, [(lv.CITY, 70), (lv.PROVINCIAL, 18), (lv.NATIONAL, 12)])
            prefix = {lv.NATIONAL: "国培计划（{y}）—", lv.PROVINCIAL: "省培计划（{y}）—", lv.CITY: "{y}年连云港市"}[level]
            subject = rng.choice(["语文", "数学", "英语", "科学", "体育", "美术", "音乐", "物理", "化学", "学前教育", "职业教育"])
            programmes.append(self._programme(rng, f"{prefix.format(y=year)}{subject}{rng.choice(topics)}", level, year,
                                              None))
        for d, district in enumerate(self.districts):
            for i in range(n_district):
                year = years[i % len(years)]
                programmes.append(self._programme(
                    rng, f"{year}年{district.name}{rng.choice(['暑期全员培训', '新教师入职培训', '学科教研专题', '教学能手培训', '校长培训'])}"
                         f"（第{i // len(years) + 1}期）",
                    lv.COUNTY, year, district))
        _bulk(tm.Programme, programmes)
        self.counts["培训项目"] = len(programmes)
        self.programmes_by_year: dict[tuple[int, int | None], list[tm.Programme]] = defaultdict(list)
        for pr in programmes:
            self.programmes_by_year[(pr.start.year, pr.district_id)].append(pr)
        total_records = total_decisions = total_enrol = 0
        for start in range(0, len(self.people), TEACHER_CHUNK):
            chunk = self.people[start: start + TEACHER_CHUNK]
            records, decisions_for, enrolments = self._credits(rng, chunk)
            _bulk(tm.CreditRecord, records)
            decisions = [_new(tm.CreditDecision, record=r, status=r.status, reason=r.decision_reason) for r in decisions_for]
            _bulk(tm.CreditDecision, decisions)
            _bulk(tm.ProgrammeEnrolment, enrolments)
            total_records += len(records)
            total_decisions += len(decisions)
            total_enrol += len(enrolments)
        self.counts["培训记录"] = total_records
        self.counts["审核记录"] = total_decisions
        self.counts["选学报名"] = total_enrol

    def _programme(self, rng, name, level, year, district) -> tm.Programme:
        mode = _pick(rng, [(c.TrainingMode.SHORT_FACE, 40), (c.TrainingMode.ONLINE, 25), (c.TrainingMode.BLENDED, 25),
                           (c.TrainingMode.LONG_RELEASE, 10)])
        hours = {c.TrainingMode.LONG_RELEASE: rng.choice([90, 120]), c.TrainingMode.ONLINE: rng.choice([24, 36, 50]),
                 c.TrainingMode.BLENDED: rng.choice([36, 48, 60]), c.TrainingMode.SHORT_FACE: rng.choice([12, 24, 36])}[mode]
        start = dt.date(year, rng.choice([3, 4, 5, 7, 8, 10, 11, 12]), rng.randint(1, 20))
        end = start + dt.timedelta(days=rng.choice([2, 4, 6, 13, 30]))
        provider = (f"{district.name}教师发展中心" if district else
                    rng.choice(["连云港市教师发展学院", "江苏师范大学", "淮阴师范学院", "江苏省中小学教师培训中心",
                                "国家中小学智慧教育平台", "南京师范大学"]))
        return tm.Programme(name=name[:150], provider=provider, level=level, mode=mode, hours=Decimal(hours),
                            start=start, end=end, capacity=rng.choice([50, 80, 100, 150, 200, 300]), district=district,
                            published=True)

    def _credits(self, rng, people: list[_Person]):
        """Training records of 专任教师: a few yearly records per cycle (校本研修, 全员培训, 网络研修)
        and now and then a catalogue programme. Whether a teacher completes the cycle (or, in
        the running cycle, is on track) follows the district's profile."""
        lv, md = c.TrainingLevel, c.TrainingMode
        st = tm.CreditRecord.Status
        src = tm.CreditRecord.Source
        now = timezone.make_aware(dt.datetime.combine(self.as_of, dt.time(9)))
        recent = add_months(self.as_of, -3)
        records, decided, enrolments = [], [], []
        yearly = [(lv.SCHOOL, md.BLENDED, "{year}年度{school}校本研修学时登记", "", 40),
                  (lv.COUNTY, md.BLENDED, "{year}年{district}中小学教师全员培训", "{district}教师发展中心", 40),
                  (lv.OTHER, md.ONLINE, "{year}年度国家中小学智慧教育平台网络研修", "国家中小学智慧教育平台", 20)]
        cycles = [(cycle, float(cycle.required_hours),
                   min(1.0, max(0.0, (self.as_of - cycle.start).days / max(1, (cycle.end - cycle.start).days))))
                  for cycle in self.cycles]

        def record(p, year, hours, status, **kw):
            # imported and providers' records arrive approved; a teacher's own claim is decided by HR
            decided_by_hr = status != st.PENDING and kw["source"] == src.SELF
            rec = _new(tm.CreditRecord, teacher=p.obj, year=year, hours=Decimal(hours), status=status,
                                  credits=Decimal(hours) / 10 if kw.get("programme") else None,
                                  decided_at=now if decided_by_hr else None,
                                  decision_reason="证明材料不清晰，请补充" if status == st.REJECTED else "", **kw)
            records.append(rec)
            if decided_by_hr:
                decided.append(rec)
            return rec

        yearly_weighted = [(y, y[4]) for y in yearly]

        for p in people:
            if not p.teaching:
                continue
            d = p.d
            district = p.school.obj.district
            used: set[int] = set()
            for ci, (cycle, required, elapsed) in enumerate(cycles):
                last_day = min(cycle.end, p.left_on or self.as_of, self.as_of)
                first_year = max(cycle.start.year, p.work_start.year)
                if last_day < cycle.start or first_year > last_day.year or rng.random() < 0.03:
                    continue
                years = list(range(first_year, last_day.year + 1))
                share = (0.74 + 0.16 * self.q("credit_1", d)) if ci == 0 else (0.62 + 0.25 * self.q("credit_2", d))
                on_track = rng.random() < share
                goal = required * (min(1.0, len(years) / 5) if elapsed >= 1.0 else elapsed)
                total = goal * (rng.uniform(1.0, 1.3) if on_track else rng.uniform(0.35, 0.9))
                if on_track:
                    total = math.ceil(total / 6) * 6 + 6
                # a catalogue programme now and then, the rest as yearly records in some of the years
                done: list[tuple[int, int]] = []  # (year, hours) of yearly records
                k = rng.randint(3, 4) if on_track else rng.randint(1, 3)
                if len(years) > k:
                    years = sorted(rng.sample(years, k))
                left = total
                for year in years:
                    pool = self.programmes_by_year.get((year, None), []) + self.programmes_by_year.get(
                        (year, district.pk), [])
                    if pool and rng.random() < 0.12:
                        pr = rng.choice(pool)
                        if pr.pk not in used and pr.end <= last_day and float(pr.hours) < left:
                            used.add(pr.pk)
                            record(p, pr.start.year, pr.hours, st.APPROVED, programme=pr, title=pr.name,
                                   provider=pr.provider, level=pr.level, mode=pr.mode, start=pr.start, end=pr.end,
                                   source=src.PROVIDER)
                            left -= float(pr.hours)
                per_year = max(6.0, left / len(years))
                for i, year in enumerate(years):
                    hours = per_year if i < len(years) - 1 else max(6.0, left - per_year * (len(years) - 1))
                    done.append((year, max(6, round(hours / 6) * 6)))
                for year, hours in done:
                    level, mode, title, provider, _w = _pick(rng, yearly_weighted)
                    start = dt.date(year, rng.choice([3, 7, 8, 10]), rng.randint(1, 25))
                    end = min(start + dt.timedelta(days=rng.choice([5, 30, 120])), last_day)
                    start = min(start, end)
                    x = rng.random()
                    status = st.PENDING if x < (0.3 if end > recent else 0.01) else st.APPROVED
                    record(p, year, hours, status, title=title.format(year=year, school=p.school.obj.name,
                                                                       district=district.name)[:150],
                           provider=provider.format(district=district.name), level=level, mode=mode, start=start,
                           end=end, source=src.SELF if x > 0.92 else src.IMPORT)
                if rng.random() < 0.03:  # a claim sent back (does not count)
                    year = years[-1]
                    day = min(dt.date(year, 6, 1), last_day)
                    record(p, year, 24, st.REJECTED, title=f"{year}年度外出学习（自行申报）", provider="", level=lv.OTHER,
                           mode=md.OTHER, start=day, end=day, source=src.SELF)
            upcoming = [pr for pr in self.programmes_by_year.get((self.as_of.year, None), []) if pr.start > self.as_of]
            if upcoming and p.left_on is None and rng.random() < 0.08:
                enrolments.append(_new(tm.ProgrammeEnrolment, programme=rng.choice(upcoming), teacher=p.obj))
        return records, decided, enrolments

    # ------------------------------------------------------------ users
    def write_users(self) -> list[dict[str, str]]:
        User = get_user_model()
        by_name = {d.name: d for d in self.districts}
        haizhou = by_name.get("海州区", self.districts[0])
        candidates = [s for s in self.schools if s.obj.district_id == haizhou.pk and s.obj.ownership == c.Ownership.PUBLIC
                      and s.obj.school_type == T.PRIMARY] or [s for s in self.schools if s.obj.district_id == haizhou.pk] \
            or self.schools
        school = max(candidates, key=lambda s: (len(s.people), s.obj.code))
        teacher = next((p for p in school.people if p.teaching and p.left_on is None and p.status == c.PersonnelStatus.IN_POST),
                       next(p for p in school.people))
        specs = [
            ("city_hr", "市教育局人事科（演示）", dict(role=Role.CITY_HR, can_view_identity=True, can_view_ethics=True), "全市"),
            ("haizhou_hr", "海州区教育局人事（演示）", dict(role=Role.DISTRICT_HR, district=haizhou, can_view_identity=True),
             haizhou.name),
            ("school_hr", f"{school.obj.name}人事（演示）", dict(role=Role.SCHOOL_HR, school=school.obj,
                                                             district=school.obj.district), school.obj.name),
            ("teacher", f"{teacher.obj.name}（演示教师）", dict(role=Role.TEACHER, teacher=teacher.obj, school=school.obj,
                                                         district=school.obj.district),
             f"{school.obj.name} {teacher.obj.name}"),
            ("leader", "市教育局领导（演示）", dict(role=Role.LEADER), "全市（只读）"),
            ("leader_haizhou", "海州区教育局领导（演示）", dict(role=Role.LEADER, district=haizhou), f"{haizhou.name}（只读）"),
        ]
        User.objects.filter(username__in=[s[0] for s in specs]).delete()
        users = [User(username=u, first_name=label[:150], is_staff=True, **kw) for u, label, kw, _scope in specs]
        for user in users:
            validate_password(DEMO_PASSWORD, user)
        hashed = make_password(DEMO_PASSWORD)  # one hash (one salt) for all the demo logins
        for user in users:
            user.password = hashed
        _bulk(User, users)
        self.counts["演示账号"] = len(users)
        return [dict(username=u.username, password=DEMO_PASSWORD, role=u.get_role_display(), scope=scope)
                for u, (_n, _l, _k, scope) in zip(users, specs)]

    # ------------------------------------------------------------ yearly snapshots (the trend, the final account)
    def analyze_written(self) -> None:
        """PostgreSQL: statistics on the rows just written (this transaction's own), so that the
        snapshots' queries that follow are planned on a city, not on empty tables."""
        analyze_now(demo_models())

    def write_snapshots(self) -> None:
        """The snapshot of every school year from 2020-2021 that has ended by the demo's "today",
        each on its 31 August, for the city, the districts and every school: what the city would
        have stored running ``snapshot_measures --schools`` each year, computed by the same code
        from the demo's own history (joining and leaving dates, degrees, titles, exchanges,
        awards, enrolment of each year)."""
        from workforce import snapshots

        years = snapshots.past_school_years(FIRST_SCHOOL_YEAR, self.as_of)
        self.counts["指标快照（学年×范围）"] = sum(
            snapshots.snapshot_take(snapshots.school_year_end(year), year, schools=True) for year in years)

    # ------------------------------------------------------------ all of it
    def build(self) -> DemoResult:
        import time

        started = time.perf_counter()
        steps = [self.load_reference, self.plan_schools, self.write_schools, self.plan_teachers, self.plan_ethics,
                 self.plan_honours, self.plan_rotations, self.write_teachers, self.write_records,
                 self.write_enrolment_and_quotas, self.write_training, self.write_users, self.analyze_written,
                 self.write_snapshots]
        for step in steps:
            began, cpu = time.perf_counter(), time.process_time()
            self.logins = step() or getattr(self, "logins", None)
            self.log(f"  {step.__name__:<28}{time.perf_counter() - began:7.1f} s（CPU {time.process_time() - cpu:.1f} s）")
        return DemoResult(counts=self.counts, logins=self.logins, build_seconds=time.perf_counter() - started)


# ---------------------------------------------------------------- entry points
DEMO_USERNAMES = ["city_hr", "haizhou_hr", "school_hr", "teacher", "leader", "leader_haizhou"]


def demo_models() -> list:
    """The tables the demo writes (and the flush empties): their statistics are refreshed afterwards."""
    return [m.School, m.Teacher, m.EducationRecord, m.TitleAppointment, m.Exchange, m.Award, m.EthicsCase,
            m.Enrolment, m.SchoolQuota, m.QuotaPool, m.QuotaProposal, m.MeasureSnapshot, tm.Programme,
            tm.CreditRecord, tm.CreditDecision, tm.ProgrammeEnrolment, get_user_model()]


def demo_city_exists() -> bool:
    return m.Teacher.objects.exists()


def build_demo_city(*, seed: int = DEFAULT_SEED, teachers: int = DEFAULT_TEACHERS, schools: int = DEFAULT_SCHOOLS,
                    as_of: dt.date = AS_OF, log=None) -> DemoResult:
    """Build the whole demo city in one transaction; returns the counts and the logins."""
    import time

    began = time.perf_counter()
    with bulk_loading(), transaction.atomic():
        result = CityBuilder(seed=seed, teachers=teachers, schools=schools, as_of=as_of, log=log).build()
        analyze(demo_models())  # once committed: the pages are planned on the new rows at once
    result.seconds = time.perf_counter() - began
    if log:
        log(f"  {'commit + ANALYZE':<28}{result.seconds - result.build_seconds:7.1f} s")
    return result


def flush_demo_data() -> dict[str, int]:
    """Delete the city's schools and teachers and everything hanging on them, and the demo logins.

    Users other than the demo logins that point at a school or teacher stop the flush (they
    are someone's accounts): the caller gets an error naming them.
    """
    User = get_user_model()
    others = list(
        User.objects.exclude(username__in=DEMO_USERNAMES)
        .filter(Q(school__isnull=False) | Q(teacher__isnull=False))
        .values_list("username", flat=True)[:20]
    )
    if others:
        raise RuntimeError("以下账号关联了学校或教师，请先处理后再清空：" + "、".join(others))
    deleted: dict[str, int] = {}
    with bulk_loading(), transaction.atomic():
        User.objects.filter(username__in=DEMO_USERNAMES).delete()
        for model in (tm.CreditDecision, tm.ProgrammeEnrolment, tm.CreditRecord, tm.Programme, m.EthicsCase, m.Award,
                      m.Exchange, m.TitleAppointment, m.EducationRecord, m.QuotaProposal, m.QuotaPool, m.SchoolQuota,
                      m.Enrolment, m.MeasureSnapshot, m.Teacher, m.School):
            _count, per_model = model.objects.all().delete()
            for label, k in per_model.items():
                deleted[label] = deleted.get(label, 0) + k
        analyze(demo_models())
    return deleted
