"""``seed_demo`` gives the demo city its personnel work too (the teacher's proposal, requests under
review, events), so a user trying the demo finds those pages with something on them; workforce's
demo builder does not import personnel (it sends ``demo_city_built``)."""
import io

import pytest
from django.core.management import call_command

from personnel.models import ChangeRequest, PersonnelEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_the_personnel_work_and_prints_it():
    out = io.StringIO()
    call_command("seed_demo", teachers=600, schools=20, stdout=out)
    requests, events = ChangeRequest.objects.count(), PersonnelEvent.objects.count()
    assert requests > 0 and events > 0
    printed = {line.split()[0]: line.split()[-1] for line in out.getvalue().splitlines() if line.strip()}
    assert printed["变更申请"] == f"{requests:,}" and printed["人事变动"] == f"{events:,}"
