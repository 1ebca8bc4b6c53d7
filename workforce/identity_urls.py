"""The reveal page's address under ``/accounts/`` (no app namespace: its name stays
``reveal_identity``), included by the root URLs as a string so the accounts import no app."""
from django.urls import path

from . import identity_views

urlpatterns = [
    path("reveal/<int:teacher_id>/", identity_views.reveal_identity, name="reveal_identity"),
]
