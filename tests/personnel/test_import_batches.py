"""School HR's bulk import as one reviewable batch (issue 15, item 1): when city HR sets the rule,
the import is checked in full and kept as a pending batch with its rows; district HR approves the
whole batch (written at once, with its history) or returns it (nothing written)."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from backend.models import AuditEntry
from imports.models import ImportRun
from imports.services import import_run
from personnel import batches
from personnel.models import ImportBatch, ReviewRule
from tests.factories import UserFactory
from tests.imports.helpers import ROSTER_HEADERS, new_id, roster_row, write_xlsx
from core.roles import Role
from workforce.models import Teacher

pytestmark = pytest.mark.django_db
Status = ImportBatch.Status


def reviewed(on: bool = True):
    ReviewRule.objects.filter(key="bulk_import").update(needs_review=on)


def roster_file(world, tmp_path, name="花名册.xlsx"):
    """Two new teachers of the school and one change (张三's 任教学科)."""
    t1 = world.t1
    rows = [ROSTER_HEADERS,
            roster_row(world.s1, n=1, name="赵六", id_number=new_id()),
            roster_row(world.s1, n=2, name="钱七", id_number=new_id()),
            roster_row(world.s1, n=3, name="张三", id_number=t1.id_number, birth=t1.birth_date,
                       sex="男" if t1.sex == "1" else "女", subject="美术")]
    return write_xlsx(tmp_path / name, {"教职工基础信息": rows})


def school_import(world, path, **kw):
    return import_run(file=path, filename=path.name, user=world.users.school, dry_run=False, source="web", **kw)


def test_off_by_default_school_hr_imports_are_written_at_once(world, tmp_path):
    assert ReviewRule.objects.get(key="bulk_import").needs_review is False
    report = school_import(world, roster_file(world, tmp_path))
    assert report.committed, report.errors
    assert Teacher.objects.filter(name__in=["赵六", "钱七"]).count() == 2 and not ImportBatch.objects.exists()


def test_without_its_rule_row_school_hr_imports_are_written_at_once(world, tmp_path):
    """A database whose rule row is gone (flushed, or deleted in the admin) keeps the default:
    imports are written at once, not held for a review nobody asked for."""
    ReviewRule.objects.filter(key="bulk_import").delete()
    report = school_import(world, roster_file(world, tmp_path))
    assert report.committed, report.errors
    assert not ImportBatch.objects.exists()


def test_a_reviewed_import_waits_as_one_batch_and_the_district_approves_it(world, tmp_path):
    reviewed()
    before = Teacher.objects.count()
    report = school_import(world, roster_file(world, tmp_path))
    assert not report.committed and not report.errors and "已提交区县审核" in report.message
    assert Teacher.objects.count() == before  # nothing written
    world.t1.refresh_from_db()
    assert world.t1.subject != "美术"
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.school, batch.requester) == (Status.PENDING, world.s1, world.users.school)
    assert (batch.new, batch.changed, batch.unchanged) == (2, 1, 0)
    changed = batch.rows.get(outcome="changed")
    assert changed.row == 4 and {"label": "任教学科", "old": changed.fields[0]["old"], "new": "美术"} in changed.fields
    assert batch.rows.filter(outcome="new").count() == 2
    assert ImportRun.objects.get(pk=report.run_id).report["message"] == report.message  # the officer sees it later

    # out of scope, the requester, a school: refused
    with pytest.raises(PermissionDenied):
        batches.batch_approve(batch=batch, user=world.users.district2)
    with pytest.raises(PermissionDenied):
        batches.batch_approve(batch=batch, user=world.users.school)
    assert Teacher.objects.count() == before

    batches.batch_approve(batch=batch, user=world.users.district)
    batch.refresh_from_db()
    assert batch.status == Status.APPROVED and batch.reviewer == world.users.district and batch.applied_run_id
    assert Teacher.objects.filter(name__in=["赵六", "钱七"], school=world.s1).count() == 2
    world.t1.refresh_from_db()
    assert world.t1.subject == "美术"
    # the history: each record under the applying run, and the decision
    run = str(batch.applied_run_id)
    assert AuditEntry.objects.filter(run_ref=run, object_type="workforce.teacher").count() == 3
    assert AuditEntry.objects.filter(object_type="personnel.importbatch", object_id=str(batch.pk)).count() == 2
    with pytest.raises(ValidationError, match="已通过"):
        batches.batch_approve(batch=batch, user=world.users.city)


def test_a_returned_batch_writes_nothing(world, tmp_path):
    reviewed()
    before = Teacher.objects.count()
    school_import(world, roster_file(world, tmp_path))
    batch = ImportBatch.objects.get()
    with pytest.raises(ValidationError):
        batches.batch_return(batch=batch, reason=" ", user=world.users.district)
    batches.batch_return(batch=batch, reason="学科填写有误", user=world.users.district)
    batch.refresh_from_db()
    assert batch.status == Status.RETURNED and batch.return_reason == "学科填写有误"
    assert Teacher.objects.count() == before
    with pytest.raises(ValidationError, match="已退回"):
        batches.batch_approve(batch=batch, user=world.users.district)


def test_a_batch_that_no_longer_imports_as_reviewed_is_refused_whole(world, tmp_path):
    reviewed()
    school_import(world, roster_file(world, tmp_path))
    batch = ImportBatch.objects.get()
    # the district imports the same roster meanwhile: the batch would now write nothing of what was reviewed
    path = roster_file(world, tmp_path, "区县.xlsx")
    assert import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="web").committed
    before = Teacher.objects.count()
    with pytest.raises(ValidationError, match="数据已有变化"):
        batches.batch_approve(batch=batch, user=world.users.district)
    batch.refresh_from_db()
    assert batch.status == Status.PENDING and Teacher.objects.count() == before


def test_a_batch_whose_rows_now_fail_is_refused_naming_the_file_sheet_and_row(world, tmp_path):
    """张三 moved to another district after the school submitted: the reviewer is told which file,
    sheet and row no longer import, and nothing is written."""
    reviewed()
    school_import(world, roster_file(world, tmp_path))
    batch = ImportBatch.objects.get()
    Teacher.objects.filter(pk=world.t1.pk).update(school=world.s2)
    before = Teacher.objects.count()
    with pytest.raises(ValidationError) as refused:
        batches.batch_approve(batch=batch, user=world.users.district)
    text = " ".join(refused.value.messages)
    assert "花名册.xlsx" in text and "“教职工基础信息”第4行" in text, text
    assert Teacher.objects.count() == before and ImportBatch.objects.get().status == Status.PENDING


def test_nobody_approves_their_own_batch(world, tmp_path):
    reviewed()
    city_school_hr = UserFactory(username="city_school", role=Role.CITY_HR)
    school_import(world, roster_file(world, tmp_path))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(requester=city_school_hr)
    with pytest.raises(ValidationError, match="本人提交"):
        batches.batch_approve(batch=batch, user=city_school_hr)


def test_a_batch_whose_requester_has_left_is_not_imported_city_wide(world, tmp_path):
    """Approval imports as the requester (their school's scope): never as nobody (the city)."""
    reviewed()
    school_import(world, roster_file(world, tmp_path))
    batch = ImportBatch.objects.get()
    before = Teacher.objects.count()
    world.users.school.is_active = False
    world.users.school.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="账号已停用"):
        batches.batch_approve(batch=batch, user=world.users.district)
    assert Teacher.objects.count() == before


def test_district_and_city_hr_imports_are_not_held(world, tmp_path):
    reviewed()
    path = roster_file(world, tmp_path)
    report = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="web")
    assert report.committed and not ImportBatch.objects.exists()


def test_the_batches_page_lists_and_decides(client, world, tmp_path):
    reviewed()
    school_import(world, roster_file(world, tmp_path))
    batch = ImportBatch.objects.get()
    client.force_login(world.users.school)
    page = client.get(reverse("personnel:batches")).content.decode()
    assert f'data-batch="{batch.pk}"' in page and "待审核" in page
    client.force_login(world.users.district2)
    assert f'data-batch="{batch.pk}"' not in client.get(reverse("personnel:batches")).content.decode()
    assert client.get(reverse("personnel:batch", args=[batch.pk])).status_code == 404
    client.force_login(world.users.district)
    page = client.get(reverse("personnel:batch", args=[batch.pk])).content.decode()
    assert "美术" in page and "赵六" in page
    response = client.post(reverse("personnel:batch", args=[batch.pk]), {"action": "approve"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == Status.APPROVED and Teacher.objects.filter(name="赵六").exists()


def test_the_upload_page_submits_the_batch_once_and_says_so(client, world, tmp_path):
    """School HR uploads, previews and confirms: the batch waits for review, nothing is written,
    the run says it was submitted and cannot be confirmed a second time."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    reviewed()
    before = Teacher.objects.count()
    client.force_login(world.users.school)
    path = roster_file(world, tmp_path)
    with open(path, "rb") as fh:
        client.post(reverse("imports:index"), {"file": SimpleUploadedFile(path.name, fh.read())})
    run = ImportRun.objects.get(user=world.users.school)
    assert run.outcome == "previewed" and run.can_commit
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert Teacher.objects.count() == before and ImportBatch.objects.count() == 1
    assert run.report["submitted"] and not run.can_commit
    assert "已提交区县审核" in client.get(reverse("imports:run", args=[run.pk])).content.decode()
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    assert ImportBatch.objects.count() == 1
