from django.urls import path

from . import views

app_name = "personnel"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/evidence/", views.request_evidence, name="request_evidence"),
    path("teachers/", views.teachers, name="teachers"),
    path("teachers/<int:pk>/edit/", views.teacher_edit, name="teacher_edit"),
    path("teachers/<int:teacher_id>/event/", views.event_new, name="event_new"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/decide/", views.event_decide, name="event_decide"),
    path("export/", views.export, name="export"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("annual/", views.annual, name="annual"),
    path("annual/<int:pk>/", views.annual_period, name="annual_period"),
    path("annual/<int:pk>/<slug:action>/", views.annual_action, name="annual_action"),
]
