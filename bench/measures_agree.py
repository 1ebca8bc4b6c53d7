"""Check on a real database (e.g. the demo city of ``python manage.py seed_demo``) that the
dashboard, the Excel export and the JSON show the same figures for the city, every district
and a few schools. Prints one line per scope and exits non-zero on any disagreement.

    DATABASE_URL=... .venv/bin/python bench/measures_agree.py [--on 2026-11-01] [--schools 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--schools", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from openpyxl import load_workbook

    from backend.models import User
    from core.roles import Role
    from workforce import exports
    from workforce import measures as ms
    from workforce import selectors as sel
    from workforce.models import District, School

    settings.ALLOWED_HOSTS = ["*"]
    user, _ = User.objects.get_or_create(username="measures_agree_check", defaults={"role": Role.LEADER})
    client = Client()
    client.force_login(user)
    on = args.on.isoformat()
    refs = [sel.CITY] + [sel.district_ref(d) for d in District.objects.all()]
    refs += [sel.school_ref(s) for s in School.objects.order_by("?")[: args.schools]]
    failures = 0
    for ref in refs:
        data = client.get(f"/workforce/dashboard/measures.json?scope={ref.text}&on={on}").json()
        wb = load_workbook(io.BytesIO(client.get(f"/workforce/dashboard/export.xlsx?scope={ref.text}&on={on}").content))
        sheet_rows = [r for r in wb["表2学历"].iter_rows(min_row=3, values_only=True) if r[0] == ref.name]
        export_t2 = [(r[1], r[2], r[3], r[4], None if r[5] is None else round(r[5], 6), r[8]) for r in sheet_rows]
        json_t2 = [(x["stage"], x["measure"], x["numerator"], x["denominator"], x["ratio"], x["gap"]) for x in data["table2"]]
        quota_row = next(r for r in wb["编制"].iter_rows(min_row=3, values_only=True) if r[0] == ref.name)
        keys = exports.QUOTA_KEYS
        ok_quota = list(quota_row[2:2 + len(keys)]) == [exports._quota_value(data["quota"], k) for k in keys]
        # the definitions of issue 14 in the export: rotation, pupil–teacher ratios, training's headline
        ptr_rows = [r for r in wb["表1生师比"].iter_rows(min_row=3, values_only=True) if r[0] == ref.name]
        ok_ptr = [(r[1], r[2], r[3], None if r[4] is None else round(r[4], 4)) for r in ptr_rows] == [
            (x["stage"], x["pupils"], x["teachers"], x["ratio"]) for x in data["pupil_teacher"]]
        rot, rot_rows = data["rotation"], [r for r in wb["交流轮岗"].iter_rows(min_row=3, values_only=True) if r[0] == ref.name]
        ok_rot = rot is None or [(r[2], r[3], r[4], r[15], r[17], r[18]) for r in rot_rows] == [
            (rot["eligible"], rot["rotated"], rot["ratio"], rot["rotated_any"], rot["planned"], rot["still_away"])]
        tr = data["training"]
        tr_rows = [r for r in wb["培训学分"].iter_rows(min_row=3, values_only=True) if r[0] == ref.name] if tr else []
        ok_tr = tr is None or [(r[2], r[3], r[4] if tr["on_track_ratio"] is not None else None) for r in tr_rows] == [
            (tr["teachers"], tr["on_track"], tr["on_track_ratio"])]
        ok_export = export_t2 == json_t2 and ok_quota and ok_ptr and ok_rot and ok_tr
        if ref.kind == "school":
            page = client.get(f"/workforce/dashboard/school/{ref.code}/?on={on}").content.decode()
            shown = dict(re.findall(r'<tr data-code="(t2_[a-z_]+)">.*?data-test="ratio">([^<]*)<', page, re.S))
        else:
            url = "/workforce/dashboard/city/" if ref.kind == "city" else f"/workforce/dashboard/district/{ref.code}/"
            page = client.get(f"{url}?on={on}").content.decode()
            total_row = page[page.index('<tr class="total"'):page.index("</tr>", page.index('<tr class="total"'))]
            shown = dict(re.findall(r'data-key="(t2_[a-z_]+)">([^<]*)<', total_row))
        expected = {x["code"]: ms.percent(x["ratio"]) for x in data["table2"] if x["code"] in shown}
        ok_page = bool(shown) and {k: v.strip() for k, v in shown.items()} == expected
        same = data == sel.measures_for(ref, on=args.on)
        status = "OK " if (ok_export and ok_page and same) else "BAD"
        failures += status == "BAD"
        rot = data["rotation"] or {}
        print(f"{status} {ref.text:<24} {ref.name:<16} page {'=' if ok_page else '≠'} json {'=' if ok_export else '≠'} export;"
              f" 小学本科+ {next((ms.percent(x['ratio']) for x in data['table2'] if x['code'] == 't2_primary_bachelor'), '—')},"
              f" 轮岗 {ms.percent(rot.get('ratio'))}（全部已交流 {ms.percent(rot.get('ratio_any'))}）,"
              f" 培训进度正常 {ms.percent((tr or {}).get('on_track_ratio'))}, 编制缺口 {data['quota']['shortage_total']} 编制富余 {data['quota']['surplus_total']}")
    user.delete()
    print(f"{len(refs)} scopes checked, {failures} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
