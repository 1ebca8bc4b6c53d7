"""A page that calls the import service inside its request, as the upload pages did before issue
12 (tests of the writer-thread guard only: no real page does this any more)."""
from django.http import JsonResponse
from django.urls import path


def import_inline(request):
    from backend.models import User
    from imports.services import import_run

    report = import_run(file=request.GET["path"], filename="inline.xlsx", user=User.objects.get(pk=request.GET["user"]),
                        dry_run=False, source="web")
    return JsonResponse({"outcome": report.outcome, "new": report.new})


urlpatterns = [path("import-inline/", import_inline)]
