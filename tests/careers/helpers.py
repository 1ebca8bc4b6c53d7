"""Building blocks of the careers tests: a teacher who meets every condition of a 高级 round."""
import datetime as dt
from decimal import Decimal

from careers.models import Assessment, PostShares, PromotionRound
from tests.factories import TeacherFactory
from training.models import CreditRecord
from workforce.models import TitleAppointment

ROUND_DAY = dt.date(2025, 12, 31)


def open_round(user, *, year=2025, levels=("gaoji", "yiji"), series="school"):
    from careers import services

    return services.round_open(year=year, series=series, levels=list(levels), reference_date=dt.date(year, 12, 31),
                               user=user)


def title(teacher, code, on):
    return TitleAppointment.objects.create(teacher=teacher, title=code, appointed_on=on)


def results(teacher, by_year: dict):
    for year, result in by_year.items():
        Assessment.objects.update_or_create(teacher=teacher, year=year,
                                            defaults={"result": result, "school": teacher.school})


def trained(teacher, hours="360"):
    CreditRecord.objects.create(teacher=teacher, title="全员培训", level="county", mode="short_face", year=2024,
                                hours=Decimal(hours), status=CreditRecord.Status.APPROVED)


def shares(school, senior="50", middle="40"):
    PostShares.objects.update_or_create(school=school, defaults={"senior": Decimal(senior), "middle": Decimal(middle)})


def eligible_teacher(school, name="合格者", **kwargs):
    """一级 since 2015, 合格 or better 2021–2024, 360 学时 in the 2021–2025 cycle."""
    teacher = TeacherFactory(school=school, name=name, **kwargs)
    title(teacher, "yiji", dt.date(2015, 9, 1))
    results(teacher, {2021: "pass", 2022: "pass", 2023: "excellent", 2024: "pass"})
    trained(teacher)
    return teacher


__all__ = ["ROUND_DAY", "PromotionRound", "open_round", "title", "results", "trained", "shares", "eligible_teacher"]
