from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("records/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("records/<int:pk>/decide/", views.decide, name="decide"),
    path("queue/", views.queue, name="queue"),
    path("programmes/", views.catalogue, name="catalogue"),
    path("programmes/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("report/", views.report, name="report"),
    path("report/behind/", views.behind, name="behind"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher"),
]
