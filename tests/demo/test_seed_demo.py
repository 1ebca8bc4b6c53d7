"""``seed_demo`` gives the demo city the work of the apps above workforce — personnel's requests
and events, careers' 年度考核 and an open 职称评审 round — so a user trying the demo finds those
pages with something on them, through their own rules and services (``demo.builder.add_apps_demo``)."""
import io

import pytest
from django.core.management import call_command

from careers.models import Assessment, PromotionRound
from personnel.models import ChangeRequest, PersonnelEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_each_apps_demo_work_and_prints_it():
    out = io.StringIO()
    call_command("seed_demo", teachers=600, schools=20, stdout=out)
    made = {"变更申请": ChangeRequest.objects.count(), "人事变动": PersonnelEvent.objects.count(),
            "年度考核": Assessment.objects.count(), "职称评审（进行中）": PromotionRound.objects.count()}
    assert all(made.values()), made
    printed = {line.split()[0]: line.split()[-1] for line in out.getvalue().splitlines() if line.strip()}
    assert {label: printed.get(label) for label in made} == {label: f"{n:,}" for label, n in made.items()}
