"""The built-in spellings: which column headers, and which values, seen in real files mean
which field and which code (DOMAIN.md, "Coded values come in many spellings"). The city adds
its own, and each organisation its answers, as ``imports.models.SavedMapping`` rows (the
admin; ``imports.mappings`` puts the two together for a run).

Each sheet kind has a dict from a canonical field key to the header texts seen in files,
the national template's wording first. Headers are compared after
:func:`imports.readers.normalise_header` (no ``*``, spaces, quotes or full-width forms).

* ``TEACHER``: the 教职工基础信息 sheet of the national teacher management information
  system (all 34 columns), its kindergarten and 中职 extras, and roster columns.
* ``EDUCATION`` (学习经历), ``EXCHANGE`` (交流轮岗), ``TRAINING`` (国内培训),
  ``HONOUR`` (荣誉): sub-record sheets; each also has the teacher identity columns
  (``name``, ``id_number``, ``staff_no``) that link a row to its teacher.
* ``SCHOOL`` (学校) and ``ENROLMENT`` (在校生、班级数).

``HEADER_INDEX`` maps normalised header → key for the teacher sheet;
``HEADER_INDEXES[kind]`` does so for every kind.
"""

from __future__ import annotations

from typing import Callable, Iterable

from imports.readers import normalise_header

__all__ = [
    "TEACHER", "EDUCATION", "EXCHANGE", "TRAINING", "HONOUR", "TITLE", "SCHOOL", "ENROLMENT",
    "IDENTITY", "SHEET_KINDS", "SHEET_TITLES", "HEADER_INDEXES", "HEADER_INDEX",
    "build_index", "lookup_header", "map_headers", "header_matcher", "detect_sheet_kind", "VALUE_SYNONYMS",
]

# Columns that identify the teacher a sub-record belongs to.
IDENTITY: dict[str, list[str]] = {
    "name": ["姓名", "教师姓名", "教职工姓名", "职工姓名", "人员姓名"],
    "id_number": ["身份证件号", "身份证件号码", "身份证号", "身份证号码", "公民身份号码",
                  "公民身份证号", "公民身份证号码", "证件号码", "证件号", "身份证"],
    "staff_no": ["教职工号", "工号", "教工号", "职工号", "教职工编号", "人员编号"],
}

TEACHER: dict[str, list[str]] = {
    "row_no": ["序号", "行号", "NO.", "No"],
    "school_code": ["学校标识码", "学校代码", "单位标识码", "学校识别码", "学校编码"],
    "school_name": ["学校名称", "单位名称", "学校", "所在学校", "任职学校", "工作单位", "所在单位"],
    "name": IDENTITY["name"],
    "former_name": ["曾用名"],
    "sex": ["性别"],
    "staff_no": IDENTITY["staff_no"],
    "nationality": ["国籍/地区", "国籍", "国籍地区", "国籍(地区)", "国家/地区", "国家地区"],
    "id_type": ["身份证件类型", "证件类型", "身份证类型"],
    "id_number": IDENTITY["id_number"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "生日"],
    "native_place": ["籍贯"],
    "birthplace": ["出生地", "出生地点"],
    "ethnicity": ["民族"],
    "political_status": ["政治面貌", "政治面目"],
    "marital_status": ["婚姻状况", "婚姻状态", "婚否"],
    "health": ["健康状况", "健康状态", "身体状况"],
    "work_start": ["参加工作年月", "参加工作时间", "参加工作日期", "参加工作年份", "参工时间",
                   "工作时间"],
    "school_entry": ["进本校年月", "进本校时间", "进入本校年月", "进入本校时间", "进本单位年月",
                     "来校时间", "进校时间", "到校时间", "调入本校时间"],
    "source": ["教职工来源", "来源", "人员来源"],
    "staff_category": ["教职工类别", "教职工类型"],
    "on_establishment": ["是否在编", "是否在编人员", "在编情况", "编制情况", "是否有编制"],
    "employment_form": ["用人形式", "用工形式", "用人方式"],
    "contract": ["签订合同情况", "合同签订情况", "签订合同", "合同情况", "合同类型"],
    "normal_graduate": ["是否全日制师范类专业毕业", "是否全日制师范专业毕业", "是否师范类专业毕业",
                        "是否师范专业毕业", "全日制师范类专业毕业"],
    "special_ed_trained": ["是否受过特教专业培养培训", "是否受过特殊教育专业培养培训",
                           "是否受过特教培训", "是否受过特殊教育培训"],
    "special_ed_cert": ["是否有特殊教育从业证书", "是否有特教从业证书", "特殊教育从业证书"],
    "it_ability": ["信息技术应用能力", "信息技术能力"],
    "free_normal": ["是否属于免费(公费)师范生", "是否属于免费师范生", "是否属于公费师范生",
                    "是否免费(公费)师范生", "是否免费师范生", "是否公费师范生", "免费(公费)师范生"],
    "grassroots_service": ["是否参加基层服务项目", "是否参加过基层服务项目", "参加基层服务项目"],
    "grassroots_start": ["参加基层服务项目起始年月", "参加基层服务项目开始年月",
                         "基层服务项目起始年月", "基层服务项目开始年月", "基层服务起始年月"],
    "grassroots_end": ["参加基层服务项目结束年月", "基层服务项目结束年月", "基层服务结束年月"],
    "special_grade": ["是否是特级教师", "是否特级教师", "特级教师"],
    "backbone": ["是否是县级及以上骨干教师", "是否县级及以上骨干教师", "是否是骨干教师",
                 "是否骨干教师", "县级及以上骨干教师", "骨干教师"],
    "mental_health": ["是否心理健康教育教师", "是否是心理健康教育教师", "心理健康教育教师"],
    "status": ["人员状态", "当前状态", "在岗状态", "任职状态"],
    "remarks": ["备注", "说明"],
    # 幼儿园 variant
    "preschool_major": ["是否全日制学前教育专业毕业", "是否学前教育专业毕业", "全日制学前教育专业毕业"],
    "preschool_trained": ["是否受过学前教育专业培养培训", "是否受过学前教育培训"],
    # 中职 variant
    "dual_qualified": ['是否"双师型"教师', "是否双师型教师", "是否双师型", "双师型教师"],
    "vocational_cert": ["是否具备职业技能等级证书", "是否具有职业技能等级证书", "是否有职业技能等级证书",
                        "职业技能等级证书"],
    "enterprise_months": ["企业工作(实践)时长", "企业工作(实践)时长(月)", "企业工作时长",
                          "企业实践时长", "企业工作实践时长"],
    # roster columns
    "teaching_stage": ["任教学段", "学段", "任课学段"],
    "subject": ["任教学科", "学科", "任教科目", "任课学科", "主要任教学科"],
    # a 花名册's education and title columns: the highest 学习经历 and the current 专业技术职务
    "highest_education": ["最高学历", "学历", "最高学历层次", "学历层次", "现学历", "最后学历"],
    "highest_degree": ["最高学位", "学位", "最高学位层次", "学位层次", "现学位"],
    "graduated_from": ["毕业院校", "毕业学校", "最高学历毕业院校", "最高学历毕业学校", "毕业院校名称",
                       "毕业学校名称"],
    "graduated_major": ["所学专业", "专业", "毕业专业", "最高学历所学专业", "最高学历专业", "所学专业名称"],
    "graduated_on": ["毕业年月", "毕业时间", "毕业日期", "最高学历毕业年月", "最高学历毕业时间"],
    "current_title": ["专业技术职务", "职称", "现聘专业技术职务", "现任专业技术职务", "聘任专业技术职务",
                      "专业技术职务名称", "专业技术职称", "现聘职称", "现职称", "专技职务"],
    "title_appointed_on": ["聘任年月", "聘任时间", "任职时间", "取得时间", "任职年月", "聘任日期", "取得年月",
                           "现聘年月", "职称聘任时间", "职称取得时间", "任现职时间", "现职称聘任时间",
                           "专业技术职务聘任时间", "专业技术职务任职时间"],
}

# The teacher keys a roster shares with the 学习经历 and 专业技术职务 sheets: a sheet is not taken
# for a roster because it has them (``detect_sheet_kind``).
ROSTER_RECORD_KEYS = frozenset({"highest_education", "highest_degree", "graduated_from", "graduated_major",
                                "graduated_on", "current_title", "title_appointed_on"})

EDUCATION: dict[str, list[str]] = {
    **IDENTITY,
    "education": ["学历", "获得学历", "学历层次"],
    "degree": ["学位层次", "学位", "获得学位层次", "获得学位"],
    "degree_name": ["学位名称"],
    "study_mode": ["学习方式", "学习形式"],
    "institution": ["学习单位", "毕业学校", "毕业院校", "就读学校", "毕业学校(单位)", "学校(单位)名称",
                    "院校名称"],
    "major": ["所学专业", "专业", "专业名称", "所学专业名称"],
    "is_normal_major": ["是否师范类专业", "是否师范专业"],
    "is_highest": ["最高学历标识", "是否最高学历"],
    "is_first": ["第一学历标识", "是否第一学历"],
    "start": ["入学年月", "学习起始年月", "入学时间", "起始年月", "开始年月"],
    "end": ["毕业年月", "学习结束年月", "毕业时间", "毕(结)业年月", "结束年月"],
}

EXCHANGE: dict[str, list[str]] = {
    **IDENTITY,
    "exchange_type": ["交流轮岗类型", "交流类型", "轮岗类型", "交流方式"],
    "moves_personnel": ["是否调动人事关系", "是否调动人事", "人事关系是否调动"],
    "start": ["开始年月", "交流轮岗开始年月", "起始年月", "开始时间"],
    "end": ["结束年月", "交流轮岗结束年月", "结束时间"],
    "from_school": ["原单位名称", "原单位", "原学校", "原学校名称", "派出学校", "派出单位"],
    "to_school": ["交流轮岗单位名称", "交流轮岗单位", "交流单位", "交流学校", "接收学校", "接收单位"],
}

TRAINING: dict[str, list[str]] = {
    **IDENTITY,
    "training_year": ["培训年度", "年度", "培训年份"],
    "level": ["培训类别", "培训级别", "培训层次"],
    "programme": ["项目名称", "培训项目名称", "培训项目", "培训名称"],
    "provider": ["培训机构", "培训机构名称", "主办单位", "承办单位"],
    "mode": ["培训方式", "培训形式"],
    "hours": ["培训获得学时", "学时", "培训学时", "获得学时"],
    "credits": ["培训获得学分", "学分", "培训学分", "获得学分"],
}

TITLE: dict[str, list[str]] = {
    **IDENTITY,
    "title": ["专业技术职务", "职称", "现聘专业技术职务", "现任专业技术职务", "聘任专业技术职务",
              "专业技术职务名称", "专业技术职称", "现聘职称", "专技职务"],
    "appointed_on": ["聘任年月", "聘任时间", "取得时间", "聘任日期", "取得年月", "取得日期", "现聘年月",
                     "聘任起始年月", "任职时间"],
    "ended_on": ["解聘年月", "解聘时间", "解聘日期", "聘任结束年月", "聘任终止年月"],
}

HONOUR: dict[str, list[str]] = {
    **IDENTITY,
    "honour_level": ["荣誉级别", "级别", "获奖级别", "荣誉等级"],
    "honour_title": ["荣誉称号", "称号", "荣誉名称", "获得荣誉"],
    "awarded_on": ["荣誉日期", "获得日期", "授予日期", "获奖日期", "获得年月", "授予年月", "日期"],
    "awarding_body": ["授予单位", "颁发单位", "授予机关", "颁奖单位"],
}

SCHOOL: dict[str, list[str]] = {
    "row_no": ["序号"],
    "code": ["学校标识码", "学校代码", "标识码", "学校识别码"],
    "name": ["学校名称", "单位名称", "学校全称"],
    "district": ["所属区县", "区县", "所在区县", "所属地区", "区县名称"],
    "school_type": ["学校类型", "办学类型", "学校类别"],
    # 举办者 (or 举办者类型, 办别) is the education statistics system's own column for it
    "ownership": ["办学性质", "公办/民办", "学校性质", "举办性质", "举办者", "举办者类型", "学校举办者", "办别",
                  "举办单位类型"],
    "location": ["城乡类型", "城乡分类", "城乡属性", "所在地城乡类型", "学校所在地类型"],
    "rural_kind": ["村小/教学点", "村小或教学点", "是否村小或教学点", "村小教学点"],
}

ENROLMENT: dict[str, list[str]] = {
    "row_no": ["序号"],
    "school_code": ["学校标识码", "学校代码", "标识码"],
    "school_name": ["学校名称", "单位名称"],
    "school_year": ["学年", "学年度"],
    "stage": ["学段", "学段名称"],
    "pupils": ["在校生数", "在校学生数", "在校生人数", "学生数", "学生人数"],
    "classes": ["班级数", "班数", "教学班数", "班级个数"],
}

QUOTA: dict[str, list[str]] = {
    "row_no": ["序号"],
    "school_code": ["学校标识码", "学校代码", "标识码"],
    "school_name": ["学校名称", "单位名称", "学校"],
    "school_year": ["学年", "学年度", "核定学年"],
    "approved": ["核定编制数", "核定编制", "编制数", "核编数", "核定数", "教职工编制数", "核定教职工编制数",
                 "核定教职工编制", "编制核定数"],
    "note": ["备注", "说明", "核定文号", "文号"],
}

SHEET_KINDS: dict[str, dict[str, list[str]]] = {
    "teacher": TEACHER,
    "education": EDUCATION,
    "exchange": EXCHANGE,
    "training": TRAINING,
    "honour": HONOUR,
    "title": TITLE,
    "school": SCHOOL,
    "enrolment": ENROLMENT,
    "quota": QUOTA,
}

# Sheet names as the national system and districts write them.
SHEET_TITLES: dict[str, list[str]] = {
    "teacher": ["教职工基础信息", "基础信息", "教职工信息", "花名册", "教师花名册"],
    "education": ["学习经历"],
    "exchange": ["交流轮岗"],
    "training": ["国内培训", "培训"],
    "honour": ["荣誉", "荣誉信息", "人才项目"],
    "title": ["专业技术职务", "职称", "职务聘任"],
    "school": ["学校", "学校信息"],
    "enrolment": ["在校生", "学生数", "班额"],
    "quota": ["核定编制", "编制核定", "编制"],
}


def build_index(headers: dict[str, list[str]]) -> dict[str, str]:
    """Map each normalised header text to its key; a text claimed by two keys is an error."""
    index: dict[str, str] = {}
    for key, texts in headers.items():
        for text in [key, *texts]:
            norm = normalise_header(text)
            other = index.setdefault(norm, key)
            if other != key:
                raise ValueError(f"header {text!r} maps to both {other!r} and {key!r}")
    return index


HEADER_INDEXES: dict[str, dict[str, str]] = {k: build_index(v) for k, v in SHEET_KINDS.items()}
HEADER_INDEX: dict[str, str] = HEADER_INDEXES["teacher"]

def lookup_header(raw: object, index: dict[str, str] = HEADER_INDEX) -> str | None:
    """Key of a header, or None. Tries the whole text, then without a trailing note:
    ``出生日期(格式:198001)`` and ``出生日期\\n格式198001`` both give ``birth_date``."""
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
    """Best-matching sheet kind for a header row, by the sheet-specific (non-identity,
    non-序号) columns it has; the sheet name breaks ties. None if nothing matches."""
    headers = list(raw_headers)
    name = normalise_header(sheet_name)
    best, best_score = None, (0, 0)
    for kind, index in HEADER_INDEXES.items():
        keys = {lookup_header(h, index) for h in headers} - {None, "row_no", *IDENTITY}
        if kind == "teacher":
            keys -= ROSTER_RECORD_KEYS
        named = int(any(normalise_header(t) in name for t in SHEET_TITLES[kind])) if name else 0
        score = (len(keys), named)
        if score > best_score:
            best, best_score = kind, score
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
