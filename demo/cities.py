"""The province of ``seed_demo --cities N`` (issue 18): the demo city (the installation's own,
连云港 with its districts from the migrations) and N − 1 more cities of 江苏 with their districts
(区划代码 of 6 digits, distinct), made here if the database does not have them yet.

The first twelve are 江苏's other 设区市 with their 区 and 县 (and a 市直 whose code is the
city's, as 连云港's 320700); beyond them, made-up cities of the same form (codes 3214xx and on).
``--cities 1`` touches nothing: the demo city alone, as it always was.

Each generated district gets a weight (its share of the schools: a 连云港 district's average)
and its own place names for the schools (``places``), drawn from a ``Random`` of its own, so a
city added or removed changes nothing in the others."""
from __future__ import annotations

from random import Random

from workforce import choices as c
from workforce import models as m

# (code, name, [(district code, district name), …]) — 江苏's 设区市 other than 连云港.
JIANGSU = [
    ("320300", "徐州市", [("320302", "鼓楼区"), ("320303", "云龙区"), ("320305", "贾汪区"), ("320311", "泉山区"),
                         ("320312", "铜山区"), ("320321", "丰县"), ("320322", "沛县"), ("320324", "睢宁县"),
                         ("320381", "新沂市"), ("320382", "邳州市")]),
    ("320800", "淮安市", [("320803", "淮安区"), ("320804", "淮阴区"), ("320812", "清江浦区"), ("320813", "洪泽区"),
                         ("320826", "涟水县"), ("320830", "盱眙县"), ("320831", "金湖县")]),
    ("321300", "宿迁市", [("321302", "宿城区"), ("321311", "宿豫区"), ("321322", "沭阳县"), ("321323", "泗阳县"),
                         ("321324", "泗洪县")]),
    ("320900", "盐城市", [("320902", "亭湖区"), ("320903", "盐都区"), ("320904", "大丰区"), ("320921", "响水县"),
                         ("320922", "滨海县"), ("320923", "阜宁县"), ("320924", "射阳县"), ("320925", "建湖县"),
                         ("320981", "东台市")]),
    ("320100", "南京市", [("320102", "玄武区"), ("320104", "秦淮区"), ("320105", "建邺区"), ("320106", "鼓楼区"),
                         ("320111", "浦口区"), ("320113", "栖霞区"), ("320114", "雨花台区"), ("320115", "江宁区"),
                         ("320116", "六合区"), ("320117", "溧水区"), ("320118", "高淳区")]),
    ("320500", "苏州市", [("320505", "虎丘区"), ("320506", "吴中区"), ("320507", "相城区"), ("320508", "姑苏区"),
                         ("320509", "吴江区"), ("320581", "常熟市"), ("320582", "张家港市"), ("320583", "昆山市"),
                         ("320585", "太仓市")]),
    ("320200", "无锡市", [("320205", "锡山区"), ("320206", "惠山区"), ("320211", "滨湖区"), ("320213", "梁溪区"),
                         ("320214", "新吴区"), ("320281", "江阴市"), ("320282", "宜兴市")]),
    ("320400", "常州市", [("320402", "天宁区"), ("320404", "钟楼区"), ("320411", "新北区"), ("320412", "武进区"),
                         ("320413", "金坛区"), ("320481", "溧阳市")]),
    ("320600", "南通市", [("320612", "通州区"), ("320613", "崇川区"), ("320614", "海门区"), ("320623", "如东县"),
                         ("320681", "启东市"), ("320682", "如皋市"), ("320685", "海安市")]),
    ("321000", "扬州市", [("321002", "广陵区"), ("321003", "邗江区"), ("321012", "江都区"), ("321023", "宝应县"),
                         ("321081", "仪征市"), ("321084", "高邮市")]),
    ("321100", "镇江市", [("321102", "京口区"), ("321111", "润州区"), ("321112", "丹徒区"), ("321181", "丹阳市"),
                         ("321182", "扬中市"), ("321183", "句容市")]),
    ("321200", "泰州市", [("321202", "海陵区"), ("321203", "高港区"), ("321204", "姜堰区"), ("321281", "兴化市"),
                         ("321282", "靖江市"), ("321283", "泰兴市")]),
]
# Made-up cities past 江苏's thirteen: a name from these heads, districts of the same form.
MADE_UP_HEADS = list("临江安平宁东丰泰和清永兴新德长云阳")
MADE_UP_TAILS = list("州阳城安")
DISTRICT_WEIGHT = 8.5  # a generated district's share of the schools (a 连云港 district's average)
CITY_LEVEL_WEIGHT = 5  # a 市直's, as 连云港's
STREETS = ["城东", "城西", "城南", "城北", "新城", "人民路", "解放路", "建设路", "文昌", "青年路", "中山路", "开发区",
           "湖滨", "府前", "育才", "朝阳"]
TOWN_HEADS = list("王张李刘陈杨徐孙朱马高黄周吴胡郭林何罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡贾丁魏薛叶")
TOWN_TAILS = ["集镇", "庄镇", "桥镇", "湖镇", "沟镇", "圩镇", "港镇", "店镇", "河乡", "营乡"]
MAX_CITIES = 1 + len(JIANGSU) + len(MADE_UP_HEADS) * len(MADE_UP_TAILS)


def short(name: str) -> str:
    """徐州市 → 徐州 (a city's name in its schools' and colleges' names)."""
    return name[:-1] if name.endswith("市") and len(name) > 2 else name


def planned_cities(n: int) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """The N − 1 cities after the demo city: (code, name, [(district code, name, kind), …]), the
    市直 (code = the city's) first."""
    out = []
    for code, name, districts in JIANGSU[: max(0, n - 1)]:
        out.append((code, name, districts))
    k = 0
    while len(out) < n - 1:
        head, tail = MADE_UP_HEADS[k // len(MADE_UP_TAILS)], MADE_UP_TAILS[k % len(MADE_UP_TAILS)]
        code = f"32{14 + k:02d}00"
        base = head + tail
        out.append((code, f"{base}市", [(f"{code[:4]}02", f"{base}区"), (f"{code[:4]}03", f"{head}东区"),
                                        (f"{code[:4]}21", f"{head}{'西' if tail != '西' else '北'}县"),
                                        (f"{code[:4]}81", f"{head}{'平' if head != '平' else '安'}市")]))
        k += 1
    result = []
    for code, name, districts in out:
        rows = [(code, "市直", c.DistrictKind.CITY)]
        rows += [(d_code, d_name, c.DistrictKind.COUNTY if d_name.endswith(("县", "市")) else c.DistrictKind.DISTRICT)
                 for d_code, d_name in districts]
        result.append((code, name, rows))
    return result


def generated_codes() -> set[str]:
    """Every city code ``--cities`` may make (the flush removes those cities)."""
    return {code for code, _name, _d in planned_cities(MAX_CITIES)}


def ensure_cities(n: int) -> list[m.City]:
    """The first ``n`` cities of the demo province, made where missing: the installation's own
    city, then ``planned_cities``. Their districts are made too (never renamed if present)."""
    if n < 1 or n > MAX_CITIES:
        raise ValueError(f"城市数应在 1 到 {MAX_CITIES} 之间")
    code, name = m.installation_city()
    first = m.City.objects.filter(code=code).first()
    if first is None:
        first = m.City.objects.get(pk=m.sole_city_id()) if m.City.objects.count() == 1 else None
    if first is None:
        raise RuntimeError("没有演示城市的区县数据：请先运行 migrate。")
    cities = [first]
    if n == 1:
        return cities
    order = max(first.order, 1)
    for i, (code, name, districts) in enumerate(planned_cities(n), start=1):
        city, _ = m.City.objects.get_or_create(code=code, defaults={"name": name, "order": order + i})
        have = set(m.District.objects.filter(code__in=[d for d, _n, _k in districts]).values_list("code", flat=True))
        m.District.objects.bulk_create([m.District(code=d, name=dn, kind=kind, order=j, city=city)
                                        for j, (d, dn, kind) in enumerate(districts) if d not in have])
        cities.append(city)
    return cities


def places(seed: int, district: m.District, city: m.City) -> tuple[list[str], list[str]]:
    """Urban areas and towns of a generated district, for its schools' names: a few streets of
    its seat and a dozen towns (乡镇) named like 江苏's."""
    rng = Random(f"{seed}:places:{district.code}")
    seat = short(district.name) if district.kind != c.DistrictKind.CITY else short(city.name)
    seat = seat[:-1] if seat.endswith(("区", "县")) and len(seat) > 2 else seat
    urban = [seat] + rng.sample(STREETS, 8)
    towns: list[str] = []
    while len(towns) < 12:
        town = rng.choice(TOWN_HEADS) + rng.choice(TOWN_TAILS)
        if town not in towns:
            towns.append(town)
    return urban, ([] if district.kind == c.DistrictKind.CITY else towns)


def colleges(city: m.City) -> list[str]:
    """A generated city's higher vocational colleges (连云港's are ``names.CITY_HIGHER_VOCATIONAL``)."""
    s = short(city.name)
    return [f"{s}职业技术学院", f"{s}幼儿师范高等专科学校", f"{s}工业职业技术学院", f"{s}卫生职业技术学院"]
