from django.urls import path  # noqa: F401

app_name = "workforce"
urlpatterns: list = []

# ---- measures and the leadership dashboard (issue 4)
from . import dashboard_views as dash  # noqa: E402

urlpatterns += [
    path("dashboard/", dash.dashboard, name="dashboard"),
    path("dashboard/city/", dash.city, name="dashboard_city"),
    path("dashboard/district/<str:code>/", dash.district, name="dashboard_district"),
    path("dashboard/school/<str:code>/", dash.school, name="dashboard_school"),
    path("dashboard/measures.json", dash.measures_json, name="dashboard_json"),
    path("dashboard/export.xlsx", dash.export, name="dashboard_export"),
]
