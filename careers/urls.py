from django.urls import path

from . import views

app_name = "careers"
urlpatterns = [
    path("", views.index, name="index"),
    path("assessments/", views.assessments, name="assessments"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/candidates/", views.round_candidates, name="candidates"),
    path("nominations/<int:pk>/decide/", views.decide, name="decide"),
    path("posts/", views.posts, name="posts"),
]
