"""导入映射 in the admin: the city's own spellings and every organisation's answers (issue 13).

City HR sees and edits them all, filters and searches them, exports and imports them as a
spreadsheet; district and school HR see their own organisation's answers and the city's, and may
delete their own (a school's HR also sees its district's answers, read-only: they apply to its imports);
leaders and teachers see nothing. Access is asserted as role × action × whose row."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from backend.models import AuditEntry
from imports.models import SavedMapping
from imports.resources import SavedMappingResource

pytestmark = pytest.mark.django_db

URL = "/admin/imports/savedmapping/"


@pytest.fixture
def rows(world):
    """One mapping of each organisation: the city's, each district's, a school's."""
    def make(text, sheet_kind="school", column="ownership", target="private", **org):
        return SavedMapping.objects.create(sheet_kind=sheet_kind, column=column, text=text, target=target, **org)

    return {
        "city": make("民营学校"),
        "city_header": make("举办者类型", column="", target="ownership"),
        "d1": make("海州写法", district=world.d1, target="public"),
        "d2": make("灌南写法", district=world.d2),
        "s1": make("有编制人员", sheet_kind="teacher", column="on_establishment", target="是", school=world.s1),
        "s2": make("灌南学校写法", school=world.s2),
    }


# ---------------------------------------------------------------------------- who sees what
SEES = {
    "city": {"city", "city_header", "d1", "d2", "s1", "s2"},
    "district": {"city", "city_header", "d1"},
    "school": {"city", "city_header", "d1", "s1"},  # its district's answers apply to its imports too
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_hr_lists_their_own_organisations_mappings_and_the_citys(client, world, rows, role):
    client.force_login(getattr(world.users, role))

    body = client.get(URL).content.decode()

    for name, mapping in rows.items():
        assert (mapping.text in body) == (name in SEES[role]), name


@pytest.mark.parametrize("role, opens", [("leader", 403), ("district_leader", 403), ("teacher", 404)])
def test_leaders_and_teachers_see_no_mappings(client, world, rows, role, opens):
    client.force_login(getattr(world.users, role))
    assert client.get(URL).status_code == 403
    # a teacher's scope holds no mapping at all: the row is "not found", as any row outside a scope
    assert client.get(f"{URL}{rows['city'].pk}/change/").status_code == opens
    assert "savedmapping" not in client.get("/admin/").content.decode()


# role → row → (open the change page, delete it)
ACCESS = {
    "city": {"city": (200, 302), "d1": (200, 302), "d2": (200, 302), "s1": (200, 302)},
    "district": {"city": (200, 403), "d1": (200, 302), "d2": (404, 404), "s1": (404, 404)},
    "school": {"city": (200, 403), "d1": (200, 403), "d2": (404, 404), "s1": (200, 302)},
}
CELLS = [(role, row) for role in ACCESS for row in ACCESS[role]]


@pytest.mark.parametrize("role, row", CELLS, ids=[f"{role}-{row}" for role, row in CELLS])
def test_open_and_delete_cell(client, world, rows, role, row):
    # given a user and one mapping of some organisation
    user = getattr(world.users, role)
    client.force_login(user)
    mapping = rows[row]
    opens, deletes = ACCESS[role][row]

    # when they open it, and then confirm its deletion
    page = client.get(f"{URL}{mapping.pk}/change/")
    response = client.post(f"{URL}{mapping.pk}/delete/", {"post": "yes"})

    # then each answer is as the table says, a deletion is audited and a refusal too
    assert page.status_code == opens
    assert response.status_code == deletes
    gone = not SavedMapping.objects.filter(pk=mapping.pk).exists()
    assert gone == (deletes == 302)
    if gone:
        entry = AuditEntry.objects.get(action="delete", object_type="imports.savedmapping", object_id=str(mapping.pk))
        assert entry.username == user.username and entry.source == "admin"
    else:
        assert AuditEntry.objects.filter(action="denied", username=user.username).exists()


@pytest.mark.parametrize("role", ["district", "school"])
def test_only_city_hr_changes_or_adds_a_mapping(client, world, rows, role):
    client.force_login(getattr(world.users, role))
    own = rows["d1" if role == "district" else "s1"]

    page = client.get(f"{URL}{own.pk}/change/")
    response = client.post(f"{URL}{own.pk}/change/", {"sheet_kind": own.sheet_kind, "column": own.column,
                                                      "text": "改过的写法", "target": own.target})

    assert 'name="text"' not in page.content.decode()  # shown read-only
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.text != "改过的写法"
    assert client.get(f"{URL}add/").status_code == 403


def test_a_district_cannot_delete_the_citys_mapping_by_choosing_it_in_the_list(client, world, rows):
    client.force_login(world.users.district)

    response = client.post(URL, {"action": "delete_selected", "_selected_action": [rows["d1"].pk, rows["city"].pk],
                                 "post": "yes"})

    assert response.status_code == 403
    assert SavedMapping.objects.filter(pk__in=[rows["d1"].pk, rows["city"].pk]).count() == 2


def test_a_district_deletes_its_own_answers_from_the_list(client, world, rows):
    client.force_login(world.users.district)

    response = client.post(URL, {"action": "delete_selected", "_selected_action": [rows["d1"].pk], "post": "yes"})

    assert response.status_code == 302
    assert not SavedMapping.objects.filter(pk=rows["d1"].pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_id=str(rows["d1"].pk), username="district1").exists()


# ---------------------------------------------------------------------------- list, filters, search
def test_the_list_names_the_sheet_kind_column_and_what_a_mapping_means(client, world, rows):
    client.force_login(world.users.city)

    body = client.get(URL).content.decode()

    assert "学校" in body and "办学性质" in body and "民办" in body and "（表头）" in body
    assert "教职工基础信息 / 花名册" in body and "是否在编" in body
    assert "海州区" in body and "全市" in body


@pytest.mark.parametrize("query, shown", [
    ({"org": "city"}, {"city", "city_header"}),
    ({"org": "d{d1}"}, {"d1"}),
    ({"org": "s{s1}"}, {"s1"}),
    ({"sheet_kind": "teacher"}, {"s1"}),
    ({"column": "-"}, {"city_header"}),
    ({"column": "on_establishment"}, {"s1"}),
    ({"q": "灌南"}, {"d2", "s2"}),
    ({"q": "公办"}, {"d1"}),            # by what the mapping means (the code's label)
    ({"q": "办学性质"}, {"city_header"}),  # a header mapped to the field named so
])
def test_city_hr_filters_by_organisation_sheet_kind_and_column_and_searches(client, world, rows, query, shown):
    client.force_login(world.users.city)
    query = {k: v.format(d1=world.d1.pk, s1=world.s1.pk) for k, v in query.items()}

    body = client.get(URL, query).content.decode()

    assert {name for name, mapping in rows.items() if f">{mapping.text}<" in body} == shown


def test_school_hr_sees_exactly_the_mappings_its_imports_use_and_only_reads_the_districts(client, world, rows):
    from backend.scoping import scope_for
    from imports.mappings import Vocabulary

    client.force_login(world.users.school)
    body = client.get(URL).content.decode()
    used = Vocabulary.for_scope(scope_for(world.users.school))
    texts = {answer.text for answers in used.values.values() for answer in answers.values()}
    texts |= {answer.text for answer in used.headers.values()}
    assert {mapping.text for mapping in rows.values() if mapping.text in body} == texts
    page = client.get(f"{URL}{rows['d1'].pk}/change/").content.decode()
    assert "海州区" in page and 'name="_save"' not in page


def test_a_district_is_offered_only_its_own_organisation_to_filter_by(client, world, rows):
    client.force_login(world.users.district)
    body = client.get(URL).content.decode()
    assert "?org=d%s" % world.d1.pk in body
    assert "?org=d%s" % world.d2.pk not in body and "?org=s%s" % world.s2.pk not in body


def test_the_list_costs_the_same_queries_for_many_rows(client, world, rows, django_assert_max_num_queries):
    client.force_login(world.users.city)
    client.get(URL)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for n in range(40):
        SavedMapping.objects.create(sheet_kind="school", column="ownership", text=f"写法{n}", target="public",
                                    school=[world.s1, world.s2][n % 2])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_a_mapping_is_shown_by_its_names_to_who_edits_it_and_to_who_only_looks(client, world, rows):
    client.force_login(world.users.city)
    form = client.get(f"{URL}{rows['d2'].pk}/change/").content.decode()
    assert 'value="办学性质"' in form and 'value="民办"' in form

    client.force_login(world.users.district)
    page = client.get(f"{URL}{rows['d1'].pk}/change/").content.decode()
    assert "办学性质" in page and "公办" in page and "海州区" in page
    assert "ownership" not in page and ">public<" not in page


# ---------------------------------------------------------------------------- the change form
def post_form(client, **data):
    base = {"sheet_kind": "school", "column": "", "text": "", "target": "", "district": "", "school": ""}
    return client.post(f"{URL}add/", {**base, **data})


@pytest.mark.parametrize("data, stored", [
    ({"text": "举办单位", "target": "办学性质"}, ("", "ownership")),             # header → field by its name
    ({"text": "举办单位", "target": "ownership"}, ("", "ownership")),            # … or by its key
    ({"text": "备注栏", "target": "不需要"}, ("", "")),                          # a column not needed
    ({"text": "民办(社会力量)", "column": "办学性质", "target": "民办"}, ("ownership", "private")),
    ({"text": "民办(社会力量)", "column": "ownership", "target": "private"}, ("ownership", "private")),
])
def test_city_hr_adds_a_mapping_by_name_and_it_is_stored_by_key(client, world, data, stored):
    client.force_login(world.users.city)

    response = post_form(client, **data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    mapping = SavedMapping.objects.get(text=data["text"])
    assert (mapping.column, mapping.target) == stored
    assert mapping.created_by == world.users.city
    assert AuditEntry.objects.filter(action="create", object_type="imports.savedmapping", object_id=str(mapping.pk),
                                     source="admin").exists()


@pytest.mark.parametrize("data, field, message", [
    ({"text": "某列", "target": "姓名"}, "target", "不是“学校”的字段"),                    # 姓名 is not a school field
    ({"text": "某值", "column": "学校名称", "target": "x"}, "column", "取值为代码或是/否的列"),  # not a coded column
    ({"text": "某值", "column": "办学性质", "target": "半公半私"}, "target", "可选：公办、民办"),
    ({"text": "某值", "column": "办学性质", "target": ""}, "target", "不是“办学性质”的代码"),
    ({"text": "某值", "sheet_kind": "teacher", "column": "是否在编", "target": "也许"}, "target", "可选：是、否"),
])
def test_the_form_refuses_a_target_that_is_not_a_field_or_a_code_of_the_column(client, world, data, field, message):
    client.force_login(world.users.city)

    response = post_form(client, **data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not SavedMapping.objects.filter(text=data["text"]).exists()


def test_the_form_refuses_two_organisations_and_a_second_mapping_of_the_same_spelling(client, world, rows):
    client.force_login(world.users.city)

    both = post_form(client, text="新写法", column="ownership", target="public", district=world.d1.pk, school=world.s1.pk)
    twin = post_form(client, text=" 民营 学校 ", column="ownership", target="public")  # the city's 民营学校, spaced

    assert "一条映射只属于一个组织" in " ".join(both.context["adminform"].form.errors["school"])
    assert "该组织已有这一写法的映射" in " ".join(twin.context["adminform"].form.errors["text"])


def test_city_hr_changes_a_districts_answer(client, world, rows):
    client.force_login(world.users.city)
    mapping = rows["d1"]

    response = client.post(f"{URL}{mapping.pk}/change/", {"sheet_kind": "school", "column": "办学性质", "text": mapping.text,
                                                          "target": "民办", "district": world.d1.pk, "school": ""})

    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.target == "private"
    entry = AuditEntry.objects.get(action="update", object_id=str(mapping.pk))
    assert entry.changes["target"]["new"] == "private"


# ---------------------------------------------------------------------------- spreadsheet
def export(client):
    fields = {f"savedmappingresource_{name}": "on" for name in SavedMappingResource().get_export_order()}
    return client.post(f"{URL}export/", {"format": "0", "resource": "0", **fields})


def sheet(content: bytes) -> list[list]:
    return [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_city_hr_exports_the_mappings_with_chinese_headers_and_names(client, world, rows):
    client.force_login(world.users.city)

    response = export(client)

    assert response.status_code == 200
    table = sheet(response.content)
    assert table[0] == ["表格类别", "列", "文件中的写法", "对应", "区县", "学校标识码", "学校名称", "设置人"]
    assert ["学校", "办学性质", "民营学校", "民办", None, None, None, None] in table
    assert ["学校", None, "举办者类型", "办学性质", None, None, None, None] in table
    assert ["教职工基础信息 / 花名册", "是否在编", "有编制人员", "是", None, world.s1.code, world.s1.name, None] in table
    assert len(table) == len(rows) + 1
    assert AuditEntry.objects.filter(action="export", object_type="imports.savedmapping").exists()


def test_a_district_exports_only_what_its_list_shows(client, world, rows):
    client.force_login(world.users.district)

    table = sheet(export(client).content)

    assert {row[2] for row in table[1:]} == {rows[name].text for name in SEES["district"]}


def test_city_hr_imports_the_citys_spellings_from_a_spreadsheet(client, world, rows):
    # given city HR's file: one mapping changed, one header and one value added, by names
    client.force_login(world.users.city)
    table = sheet(export(client).content)
    for row in table:
        if row[2] == "民营学校":
            row[3] = "公办"
    table.append(["学校", None, "学校性质", "办学性质", None, None, None, None])
    table.append(["教职工基础信息 / 花名册", "是否在编", "编制内", "是", "灌南县", None, None, None])
    upload = SimpleUploadedFile("映射.xlsx", xlsx(table))

    # when it is previewed and confirmed
    page = client.post(f"{URL}import/", {"import_file": upload, "format": "0", "resource": "0"})
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    assert (result.totals["new"], result.totals["update"]) == (2, 1)
    form = page.context["confirm_form"]
    done = client.post(f"{URL}process_import/", {name: form.initial.get(name, "") for name in form.fields})

    # then the rows are stored by key, the existing one updated rather than doubled, all audited
    assert done.status_code == 302
    assert SavedMapping.objects.get(text="民营学校").target == "public"
    assert SavedMapping.objects.filter(text="民营学校").count() == 1
    header = SavedMapping.objects.get(text="学校性质")
    assert (header.sheet_kind, header.column, header.target, header.district) == ("school", "", "ownership", None)
    value = SavedMapping.objects.get(text="编制内")
    assert (value.sheet_kind, value.column, value.target, value.district) == ("teacher", "on_establishment", "是", world.d2)
    assert value.norm and value.created_by == world.users.city
    assert AuditEntry.objects.filter(object_type="imports.savedmapping", action="create", source="admin").count() == 2
    assert AuditEntry.objects.filter(object_type="imports.savedmapping", action="update", source="admin").count() == 1


def test_a_spreadsheet_row_with_a_target_that_is_not_a_code_is_refused(client, world):
    client.force_login(world.users.city)
    table = [["表格类别", "列", "文件中的写法", "对应", "区县"],
             ["学校", "办学性质", "好写法", "民办", None],
             ["学校", "办学性质", "坏写法", "半公半私", None],
             ["学校", None, "重复", "办学性质", "没有这个区"],
             ["学校", None, "好写法2", "学校类型", None],
             ["学校", None, " 好写法2 ", "不需要", None]]
    upload = SimpleUploadedFile("映射.xlsx", xlsx(table))

    page = client.post(f"{URL}import/", {"import_file": upload, "format": "0", "resource": "0"})

    result = page.context["result"]
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert "可选：公办、民办" in " ".join(errors[2]["对应"])
    assert "没有这个区" in " ".join(errors[3]["区县"])
    assert "与第 4 行是同一组织的同一写法" in " ".join(errors[5]["文件中的写法"])
    assert "confirm_form" not in page.context
    assert not SavedMapping.objects.exists()


@pytest.mark.parametrize("role", ["district", "school"])
def test_district_and_school_hr_get_no_import(client, world, rows, role):
    client.force_login(getattr(world.users, role))
    assert f"{URL}import/" not in client.get(URL).content.decode()
    assert client.get(f"{URL}import/").status_code == 403


def test_the_admin_spellings_are_used_by_the_next_import(world, rows):
    """What the admin keeps is what the import reads: the city's 民营学校 means 民办."""
    from backend.scoping import scope_for
    from imports.mappings import Vocabulary

    vocabulary = Vocabulary.for_scope(scope_for(world.users.district))

    spellings = vocabulary.synonyms("school", "ownership", {})
    assert spellings["民营学校"] == "private" and spellings["海州写法"] == "public"
    assert "灌南写法" not in spellings
