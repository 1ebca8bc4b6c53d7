"""A teacher on a phone logs a training with evidence, school HR approves it, progress moves."""
import pytest

from tests.browser import login, screenshot
from training.models import CreditRecord

from tests.training.helpers import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Steps:
    """Counts what the person does (page loads, fields, clicks) — the measure of "under a minute"."""

    def __init__(self, page):
        self.page, self.done = page, []

    def goto(self, url, what):
        self.done.append(what)
        self.page.goto(url)

    def fill(self, selector, value, what):
        self.done.append(what)
        self.page.fill(selector, value)

    def select(self, selector, label, what):
        self.done.append(what)
        self.page.select_option(selector, label=label)

    def upload(self, selector, path, what):
        self.done.append(what)
        self.page.set_input_files(selector, str(path))

    def click(self, selector, what):
        self.done.append(what)
        self.page.click(selector)
        self.page.wait_for_load_state("networkidle")


def countable(page) -> str:
    return page.inner_text("[data-testid=countable]").strip()


def test_teacher_logs_on_a_phone_school_approves_progress_moves(phone_page, page, world, tmp_path):
    certificate = tmp_path / "结业证书.pdf"
    certificate.write_bytes(PDF)

    # --- the teacher, on a 390 px wide phone screen
    login(phone_page, "teacher1")
    steps = Steps(phone_page)
    steps.goto(phone_page.base + "/training/mine/", "打开“我的培训”")
    assert countable(phone_page) == "0.0"
    assert "进度" in phone_page.inner_text("#progress")
    # nothing wider than the screen: no sideways scrolling on a phone
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "training-1-phone-before")
    steps.fill("input[name=title]", "乡村教师信息技术应用能力提升培训", "填写项目名称")
    steps.select("select[name=level]", "县级", "选择培训类别")
    steps.select("select[name=mode]", "网络研修", "选择培训方式")
    steps.fill("input[name=hours]", "24", "填写学时")
    steps.upload("input[name=evidence]", certificate, "选择证明材料")
    screenshot(phone_page, "training-2-phone-form")
    steps.click("#log button[type=submit]", "提交审核")
    assert "已提交，等待学校审核" in phone_page.inner_text("main")
    assert "待审核" in phone_page.inner_text("#records")
    assert countable(phone_page) == "0.0"  # not counted before approval
    screenshot(phone_page, "training-3-phone-submitted")
    print(f"\n教师登记一条培训（含证明材料）共 {len(steps.done)} 步：" + " → ".join(steps.done))
    assert len(steps.done) <= 7

    record = CreditRecord.objects.get()
    assert record.status == CreditRecord.Status.PENDING and record.evidence_name == "结业证书.pdf"

    # --- school HR approves it from the queue, after opening the evidence
    login(page, "school1")
    page.goto(page.base + "/training/queue/")
    row = page.locator(f"tr[data-record='{record.pk}']")
    assert "乡村教师信息技术应用能力提升培训" in row.inner_text()
    evidence = page.request.get(page.base + f"/training/records/{record.pk}/evidence/")
    assert evidence.status == 200 and evidence.headers["content-type"] == "application/pdf"
    screenshot(page, "training-4-school-queue")
    row.locator("button[value=approve]").click()
    page.wait_for_load_state("networkidle")
    assert "已通过" in page.inner_text("main")
    assert "没有待审核的记录" in page.inner_text("main")
    screenshot(page, "training-5-school-approved")

    # --- the teacher's progress moved, and the record is locked
    phone_page.reload()
    assert countable(phone_page) == "24.0"
    records = phone_page.inner_text("#records")
    assert "已通过" in records and "已锁定" in records and "修改" not in records
    screenshot(phone_page, "training-6-phone-after")

    # --- the city sees the rates per district and school, and who is behind
    page.context.clear_cookies()
    login(page, "city")
    page.goto(page.base + "/training/report/")
    assert "海州实验小学" in page.inner_text("main") and "灌南县" in page.inner_text("main")
    screenshot(page, "training-7-city-report")
    page.click("text=进度落后（名单，可导出）")
    page.wait_for_load_state("networkidle")
    assert "张三" in page.inner_text("main") and "王五" in page.inner_text("main")
    screenshot(page, "training-8-city-behind")
