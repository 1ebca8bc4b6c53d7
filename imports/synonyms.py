"""The built-in value spellings, and how headers are matched.

Values: which spellings seen in real files mean which code (DOMAIN.md, "Coded values come in
many spellings"): ``VALUE_SYNONYMS``, a list per coded column (``Column.synonyms`` names it).
The city adds its own, and each organisation its answers, as ``imports.models.SavedMapping``
rows (the admin; ``imports.mappings`` puts the two together for a run).

Headers: each kind declares its columns' header spellings with the kind, next to its handler
(``imports.handlers.<kind>``, ``Column.headers``); the functions here match a sheet's headers
against them (``Kind.header_index``, after :func:`imports.readers.normalise_header`: no ``*``,
spaces, quotes or full-width forms) and tell which kind a sheet is. ``HEADER_INDEXES[sheet
kind]`` is the normalised header → key index of every registered kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Iterable

from imports.readers import normalise_header

__all__ = [
    "HEADER_INDEXES", "lookup_header", "map_headers", "header_matcher", "detect_sheet_kind", "says_month",
    "VALUE_SYNONYMS",
]


class _HeaderIndexes(Mapping):
    """sheet kind → {normalised header: column key} of every registered kind (``imports.kinds``)."""

    def __getitem__(self, sheet_kind: str) -> dict[str, str]:
        from .kinds import kind_for_sheet_kind

        return kind_for_sheet_kind(sheet_kind).header_index

    def __iter__(self):
        from .kinds import KINDS

        return iter([kind.sheet_kind for kind in KINDS.values()])

    def __len__(self) -> int:
        from .kinds import KINDS

        return len(KINDS)


HEADER_INDEXES: Mapping[str, dict[str, str]] = _HeaderIndexes()


def lookup_header(raw: object, index: dict[str, str] | None = None) -> str | None:
    """Key of a header in ``index`` (the teacher sheet's by default), or None. Tries the whole text, then without a trailing note:
    ``出生日期(格式:198001)`` and ``出生日期\\n格式198001`` both give ``birth_date``."""
    if index is None:
        index = HEADER_INDEXES["teacher"]
    text = str(raw) if raw is not None else ""
    norm = normalise_header(text)
    if not norm:
        return None
    key = index.get(norm)
    if key is not None:
        return key
    if norm.endswith(")"):
        for cut in (norm.rfind("("), norm.find("(")):
            if cut > 0 and norm[:cut] in index:
                return index[norm[:cut]]
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    if first_line != text.strip():
        return index.get(normalise_header(first_line))
    return None


def says_month(header: object) -> bool:
    """A header that names a month (出生年月, 参加工作年月, 进本校年月 …, but not 出生年月日):
    its cells hold a month even when they are full dates, since Excel stores a typed month as
    its first day (DOMAIN.md, "The teacher record"). Such a column never compares days."""
    norm = normalise_header(header)
    return "年月" in norm and "年月日" not in norm


def map_headers(raw_headers: Iterable[object], kind: str = "teacher"
                ) -> tuple[dict[int, str], list[str]]:
    """Return ({column index: key}, unknown header texts) for a header row.

    Blank headers are ignored. When two columns mean the same field, the first wins and
    the later one is listed among the unknown headers (so the caller can say it is ignored).
    """
    index = HEADER_INDEXES[kind]
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    unknown: list[str] = []
    for position, raw in enumerate(raw_headers):
        if raw is None or not str(raw).strip():
            continue
        key = lookup_header(raw, index)
        if key is None or key in taken:
            unknown.append(str(raw).strip())
            continue
        taken.add(key)
        mapping[position] = key
    return mapping, unknown


def header_matcher(kind: str = "teacher") -> Callable[[str], bool]:
    """A ``known_headers`` callable for :func:`imports.readers.iter_sheets`."""
    index = HEADER_INDEXES[kind]
    return lambda normalised: lookup_header(normalised, index) is not None


def detect_sheet_kind(raw_headers: Iterable[object], sheet_name: str = "") -> str | None:
    """Best-matching sheet kind for a header row, by the columns it has that tell the kinds
    apart (``Kind.detecting_keys``: not the teacher's identity, not 序号); the sheet name
    (``Kind.sheet_titles``) breaks ties, then ``Kind.precedence``. None if nothing matches."""
    from .kinds import kinds_by_precedence

    headers = list(raw_headers)
    name = normalise_header(sheet_name)
    best, best_score = None, (0, 0)
    for kind in kinds_by_precedence():
        index = kind.header_index
        keys = {lookup_header(h, index) for h in headers} & kind.detecting_keys
        named = int(any(normalise_header(t) in name for t in kind.sheet_titles)) if name else 0
        score = (len(keys), named)
        if score > best_score:
            best, best_score = kind.sheet_kind, score
    return best


# Variant spellings seen in rosters → the code (or label) of the choice. Data, not code.
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": {"男性": "1", "女性": "2", "m": "1", "f": "2"},
    "id_type": {"身份证": "1", "居民身份证号码": "1", "中华人民共和国居民身份证": "1", "二代身份证": "1",
                "港澳通行证": "6", "港澳居民居住证": "6", "台胞证": "7", "台湾居民居住证": "7"},
    "staff_category": {"教师": "teacher", "专任": "teacher", "专职教师": "teacher", "任课教师": "teacher",
                       "行政": "admin", "管理人员": "admin", "教辅": "auxiliary", "工勤": "worker",
                       "工勤技能人员": "worker", "工勤人员(含保安)": "worker", "保育": "caregiver",
                       "校医": "health", "卫生保健": "health", "保健医生": "health"},
    "employment_form": {"在编": "established", "编内": "established", "正式在编": "established",
                        "事业编制": "established", "合同": "contract", "聘用": "contract",
                        "编外聘用": "contract", "代理": "agency", "派遣": "dispatch",
                        "劳务派遣人员": "dispatch", "兼职教师": "part_time", "外聘": "part_time"},
    "contract": {"未签": "0", "无": "0", "未签订": "0", "未签订合同": "0", "否": "0", "聘用": "1",
                 "事业单位聘用合同": "1", "聘用合同制": "1", "劳动": "2", "劳动合同制": "2", "其他": "3"},
    "source": {"毕业生": "graduate", "高校毕业生": "graduate", "应届": "graduate", "应届生": "graduate",
               "调动": "transfer_in", "外单位调入": "transfer_in", "系统内调入": "transfer_in",
               "招聘": "recruit", "公开招聘": "recruit", "社会招聘人员": "recruit",
               "军转": "military", "军队转业": "military", "转业军人": "military"},
    "status": {"在岗": "100", "在职": "100", "任职": "100", "在本单位": "100", "正常": "100",
               "病假": "203", "长期病假": "203", "交流": "205", "轮岗": "205", "待退": "209"},
    "it_ability": {"优秀": "proficient", "熟悉": "good", "较好": "basic", "差": "weak", "弱": "weak"},
    "stage": {"幼儿园": "preschool", "学前教育": "preschool", "幼教": "preschool", "初级中学": "junior",
              "普通初中": "junior", "高级中学": "senior", "普通高中": "senior", "中等职业教育": "vocational",
              "中职学校": "vocational", "职高": "vocational", "高职": "higher", "高专": "higher",
              "特殊教育": "special", "特殊": "special", "特校": "special",
              # long official names, as the statistics forms and offices write them
              "幼儿教育": "preschool", "学前教育阶段": "preschool", "小学教育": "primary", "普通小学": "primary",
              "小学阶段": "primary", "初中教育": "junior", "初中阶段": "junior", "普通初中教育": "junior",
              "高中教育": "senior", "高中阶段": "senior", "普通高中教育": "senior", "中等职业学校": "vocational",
              "中等职业教育阶段": "vocational", "高等职业教育": "higher", "高职高专院校": "higher",
              "特殊教育学校": "special"},
    "education": {"博士": "doctorate", "博士研究生毕业": "doctorate", "硕士": "master",
                  "研究生": "master", "硕士研究生毕业": "master", "研究生毕业": "master",
                  "本科": "bachelor", "大本": "bachelor", "大学": "bachelor", "本科毕业": "bachelor",
                  "专科": "associate", "大专": "associate", "专科毕业": "associate",
                  "中专": "secondary", "中等专业学校": "secondary", "中师": "secondary",
                  "普通高中": "high_school", "高中毕业": "high_school", "初中": "below",
                  "初中以下": "below", "小学": "below",
                  # a 花名册's 最高学历 column: the level with 学历 after it
                  "博士研究生学历": "doctorate", "博士学历": "doctorate", "硕士研究生学历": "master",
                  "研究生学历": "master", "硕士学历": "master", "本科学历": "bachelor", "大学本科学历": "bachelor",
                  "大学学历": "bachelor", "专科学历": "associate", "大专学历": "associate",
                  "大学专科学历": "associate", "中专学历": "secondary", "中专毕业": "secondary",
                  "中师毕业": "secondary", "高中学历": "high_school", "初中学历": "below"},
    "degree": {"博士学位": "doctor", "硕士学位": "master", "学士学位": "bachelor", "无学位": "none",
               "没有": "none", "—": "none", "-": "none", "/": "none",
               # professional degrees as rosters name them (their level is what counts)
               "教育硕士": "master", "教育硕士学位": "master", "教育学硕士": "master", "教育博士": "doctor",
               "教育学学士": "bachelor", "教育学博士": "doctor"},
    "study_mode": {"全日制学习": "full_time", "脱产": "full_time", "统招": "full_time",
                   "在职": "part_time", "函授": "part_time", "自学考试": "part_time",
                   "自考": "part_time", "业余": "part_time", "成人教育": "part_time",
                   "网络教育": "part_time", "非全日制学习": "part_time"},
    "school_type": {"初中": "junior", "九年制学校": "nine_year", "九年一贯制": "nine_year",
                    "完中": "complete_secondary", "高中": "senior", "普通高中": "senior",
                    "十二年一贯制": "twelve_year", "中职": "vocational", "职业学校": "vocational",
                    "职业高中": "vocational", "中专": "vocational", "高职": "higher_vocational",
                    "特殊教育": "special", "特校": "special", "特殊教育学校(特校)": "special"},
    # 办学性质, and the 举办者 column of the education statistics (教育事业统计), which names who
    # runs the school: every 举办者 but 民办 is public (公办).
    "ownership": {"公立": "public", "民营": "private", "私立": "private", "公办学校": "public",
                  "民办学校": "private", "教育部门": "public", "教育部门办": "public", "教育行政部门": "public",
                  "其他部门": "public", "其他部门办": "public", "地方企业": "public", "地方企业办": "public",
                  "事业单位": "public", "部队": "public", "集体": "public", "集体办": "public",
                  "民办(民间资本)": "private", "社会力量办": "private", "中外合作办学": "private"},
    "location": {"城市": "urban", "市区": "urban", "城镇": "town", "镇": "town", "县镇": "town",
                 "农村": "rural"},
    # 是否村小或教学点: 是 says "one of the two" (RuralKind.EITHER), 否 "neither"
    "rural_kind": {"否": "", "无": "", "不是": "", "0": "", "×": "", "村小学": "village", "是": "either", "1": "either",
                   "√": "either", "是(村小或教学点)": "either"},
    "honour_level": {"国家": "national", "全国": "national", "省": "provincial", "市级": "city",
                     "地市": "city", "市": "city", "县区级": "county", "区级": "county",
                     "县": "county", "校级": "school", "学校": "school"},
    "training_level": {"国家": "national", "省": "provincial", "市级": "city", "地市": "city",
                       "区级": "county", "县区级": "county", "校本": "school", "校本培训": "school"},
    # 专业技术职务. The 2015 reform of 中小学教师职称 (人社部发〔2015〕79号) merged the 中学 and 小学
    # series (幼儿园 followed 小学) into one: 中学高级 → 高级教师; 中学一级 and 小学高级 → 一级教师;
    # 中学二级 and 小学一级 → 二级教师; 中学三级, 小学二级 and 小学三级 → 三级教师. Rosters still
    # carry the old names (and their short forms 中高/中一/小高…), so they are accepted here as
    # spellings of the new titles.
    "title": {"正高级": "zhenggao", "正高": "zhenggao", "中小学正高级教师": "zhenggao",
              "高级": "gaoji", "中小学高级教师": "gaoji", "中学高级教师": "gaoji", "中学高级": "gaoji",
              "中高": "gaoji",
              "一级": "yiji", "中小学一级教师": "yiji", "中学一级教师": "yiji", "中学一级": "yiji", "中一": "yiji",
              "小学高级教师": "yiji", "小学高级": "yiji", "小高": "yiji", "幼儿园高级教师": "yiji",
              "二级": "erji", "中小学二级教师": "erji", "中学二级教师": "erji", "中学二级": "erji", "中二": "erji",
              "小学一级教师": "erji", "小学一级": "erji", "小一": "erji", "幼儿园一级教师": "erji",
              "三级": "sanji", "中小学三级教师": "sanji", "中学三级教师": "sanji", "中学三级": "sanji",
              "中三": "sanji", "小学二级教师": "sanji", "小学二级": "sanji", "小二": "sanji",
              "小学三级教师": "sanji", "小学三级": "sanji", "小三": "sanji", "幼儿园二级教师": "sanji",
              "幼儿园三级教师": "sanji",
              "未定级": "none", "未评": "none", "无职称": "none", "无": "none", "见习": "none"},
    "training_mode": {"脱产研修": "long_release", "长期脱产": "long_release", "面授": "short_face",
                      "短期集中面授": "short_face", "网络": "online", "网络培训": "online",
                      "线上": "online", "混合": "blended", "线上线下": "blended",
                      "面授+网络研修": "blended", "远程": "online", "远程培训": "online", "远程研修": "online",
                      "网络远程研修": "online", "集中面授": "short_face", "集中培训": "short_face",
                      "短期集中培训": "short_face", "脱产培训": "long_release", "长期脱产培训": "long_release",
                      "线上+线下": "blended", "混合式": "blended", "混合式研修": "blended"},
}
