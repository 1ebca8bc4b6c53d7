"""Names the data carry in Chinese, shown on pages in the page's language (issue 14, item 7).

The measures JSON, the exports and the reference rows seeded from the plan name things in Chinese
(a data contract: ``core.i18n``). A page shows such a name through gettext: a name the system
seeded (a stage, a Table 2 measure, a plan indicator, an honour type, an ethics level, an exchange
type, a training cycle) has its translation in the catalogue and reads in English on an English
page; a name a city administrator typed in later has none and is shown as typed, like every other
data value (a school's or a teacher's name). ``SEEDED`` marks the seeded names for makemessages;
``tests/backend/test_i18n_pages.py`` checks that every seeded row's name is among them.

Templates translate such a value with ``{% translate value %}``; Python code with ``shown``.
"""
from __future__ import annotations

from django.utils.translation import gettext, gettext_noop, pgettext

SEEDED = [
    # the city as a scope
    gettext_noop("全市"),
    # Table 2 measures, Table 1 and the other indicators' measures and units
    gettext_noop("专科及以上"), gettext_noop("本科及以上"), gettext_noop("研究生"), gettext_noop("生师比"),
    gettext_noop("交流轮岗"), gettext_noop("骨干占比"), gettext_noop("人数"), gettext_noop("个数"), gettext_noop("双师型"),
    gettext_noop("未知"),
    # a teacher's level (measures.LEVEL_LABELS)
    gettext_noop("本科"), gettext_noop("专科"), gettext_noop("中专/高中及以下"), gettext_noop("学历未知"),
    # the plan's indicators (reference_data.INDICATORS)
    gettext_noop("幼儿教师专科及以上学历（学位）"), gettext_noop("幼儿教师本科及以上学历（学位）"),
    gettext_noop("小学教师专科及以上学历（学位）"), gettext_noop("小学教师本科及以上学历（学位）"),
    gettext_noop("普通初中教师本科及以上学历（学位）"), gettext_noop("普通初中教师研究生学历（学位）"),
    gettext_noop("普通高中教师研究生学历（学位）"), gettext_noop("中等专业学校教师研究生学历（学位）"),
    gettext_noop("高职高专教师研究生学历（学位）"), gettext_noop("生师比（高中）"), gettext_noop("生师比（初中）"),
    gettext_noop("生师比（小学）"), gettext_noop("生师比（高校）"), gettext_noop("义务教育教师交流轮岗比例"),
    gettext_noop("交流轮岗教师中骨干教师比例"), gettext_noop("在岗在职特级教师"), gettext_noop("港城名师"),
    gettext_noop("“十四五”期间培养乡村港城名师"), gettext_noop("“十四五”期间培养乡村特级教师"),
    gettext_noop("“十四五”期间培养中小学正高级教师"), gettext_noop("市级名师工作室"),
    gettext_noop("市教育家型教师培养对象共同体"), gettext_noop("市级“四有”好教师团队"),
    gettext_noop("省级“四有”好教师团队"), gettext_noop("市级乡村骨干教师培育站"), gettext_noop("每年补充新教师"),
    gettext_noop("中职“双师型”教师比例"),
    # the honour measures without an indicator row (selectors.HONOUR_MEASURES)
    gettext_noop("培养乡村港城名师"), gettext_noop("培养乡村特级教师"), gettext_noop("培养中小学正高级教师"),
    gettext_noop("正高级教师（幼儿园，单列）"), gettext_noop("正高级教师（中职，单列）"),
    gettext_noop("省“333”工程培养对象"), gettext_noop("市“521”工程培养对象"), gettext_noop("骨干教师（县级及以上）"),
    # honour types (reference_data.HONOUR_TYPES)
    gettext_noop("特级教师"), gettext_noop("市学科带头人"), gettext_noop("市级骨干教师"), gettext_noop("县级骨干教师"),
    gettext_noop("县级教学能手"),
    # ethics levels (reference_data.ETHICS_SEVERITIES)
    gettext_noop("警告"), gettext_noop("记过"), gettext_noop("降低岗位等级"), gettext_noop("撤职"), gettext_noop("开除"),
    # exchange types (reference_data.EXCHANGE_TYPES)
    gettext_noop("支教"), gettext_noop("走教/多点执教"), gettext_noop("集团内交流"), gettext_noop("对口帮扶"),
    gettext_noop("调动"),
    # training cycles (training migration 0002)
    gettext_noop("2021—2025年周期"), gettext_noop("2026—2030年周期"),
]


def shown(value) -> str:
    """A name the data carry, in the page's language when the system seeded it (else as typed)."""
    return gettext(value) if value else value


def measure_label(stage: str, measure: str) -> str:
    """A Table 2 line's name on a page: its stage and measure (Chinese in the JSON), translated."""
    return pgettext("stage and measure", "%(stage)s%(measure)s") % {"stage": shown(stage), "measure": shown(measure)}
