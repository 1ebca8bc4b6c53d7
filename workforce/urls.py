from django.urls import path  # noqa: F401

app_name = "workforce"
urlpatterns: list = []

# ---- workflows (issue 6): rotation, honours and ethics, staffing quotas
from . import workflow_views as wf  # noqa: E402

urlpatterns += [
    path("rotation/", wf.rotation_plan, name="rotation_plan"),
    path("rotation/eligible/", wf.rotation_eligible, name="rotation_eligible"),
    path("rotation/record/", wf.rotation_record_bulk, name="rotation_record_bulk"),
    path("rotation/record/<int:teacher_id>/", wf.rotation_record, name="rotation_record"),
    path("rotation/exchanges/", wf.rotation_exchanges, name="rotation_exchanges"),
    path("rotation/exchanges/<int:pk>/end/", wf.exchange_end, name="exchange_end"),
    path("honours/", wf.honours_index, name="honours_index"),
    path("honours/awards/", wf.honours_awards, name="honours_awards"),
    path("honours/awards/new/", wf.award_new, name="award_new"),
    path("honours/awards/<int:pk>/revoke/", wf.award_revoke, name="award_revoke"),
    path("honours/awards/<int:pk>/expire/", wf.award_expire, name="award_expire"),
    path("honours/nominate/<slug:code>/", wf.honours_nominate, name="honours_nominate"),
    path("honours/conflicts/", wf.honours_conflicts, name="honours_conflicts"),
    path("honours/ethics/", wf.honours_ethics, name="honours_ethics"),
    path("quota/", wf.quota_index, name="quota_index"),
    path("quota/allocate/", wf.quota_allocate, name="quota_allocate"),
    path("quota/proposals/<int:pk>/", wf.quota_proposal, name="quota_proposal"),
    path("quota/proposals/<int:pk>/accept/", wf.quota_proposal_decide, {"decision": "accept"}, name="quota_accept"),
    path("quota/proposals/<int:pk>/discard/", wf.quota_proposal_decide, {"decision": "discard"}, name="quota_discard"),
]

# ---- measures and the leadership dashboard (issue 4)
from . import dashboard_views as dash  # noqa: E402

urlpatterns += [
    path("dashboard/", dash.dashboard, name="dashboard"),
    path("dashboard/city/", dash.city, name="dashboard_city"),
    path("dashboard/district/<str:code>/", dash.district, name="dashboard_district"),
    path("dashboard/school/<str:code>/", dash.school, name="dashboard_school"),
    path("dashboard/measures.json", dash.measures_json, name="dashboard_json"),
    path("dashboard/export.xlsx", dash.export, name="dashboard_export"),
    path("dashboard/final/", dash.final_account, name="dashboard_final"),
    path("dashboard/final.xlsx", dash.final_account_export, name="dashboard_final_export"),
]
