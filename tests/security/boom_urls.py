"""A URL that fails with an ID in the exception (for the 500-page test)."""
from django.urls import path


def boom(request):
    raise ValueError("身份证件号 320706198506150011 重复")


urlpatterns = [path("boom/", boom)]
