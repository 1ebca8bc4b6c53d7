from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress.json", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/confirm/", views.run_confirm, name="run_confirm"),
    path("runs/<int:pk>/mapping/", views.run_mapping, name="run_mapping"),
    path("runs/<int:pk>/errors.xlsx", views.run_errors, name="run_errors"),
    path("templates/<slug:kind>.xlsx", views.template_download, name="template"),
]
