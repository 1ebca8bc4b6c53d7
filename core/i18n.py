"""Languages: pages follow the user's choice (Chinese by default, English available); data do not.

Chinese is the source language (msgids are Chinese). What the system hands to other systems or
keeps as a record is written in Chinese whatever language a page is shown in: the measures JSON,
spreadsheet downloads (their headers are Chinese, so their choice labels must be too), the
matching of roster values in imports, and audit rows. Code producing such data runs under
``data_language()``.

Updating the English translation after adding or changing strings (Chinese msgids, English
msgstrs; commit the .po and the compiled .mo, which machines without gettext use as is)::

    python manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=artifacts
    python manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=static/vendor --ignore=staticfiles
    python manage.py compilemessages --ignore=.venv

``tests/backend/test_i18n.py`` fails while an entry is untranslated or fuzzy, or the .mo is stale.
"""
from __future__ import annotations

import functools

from django.utils import translation

DATA_LANGUAGE = "zh-hans"

DOWNLOAD_SUFFIXES = (".xlsx", ".csv")
DOWNLOAD_FORMATS = {"xlsx", "csv"}


def data_language() -> translation.override:
    """A context manager that makes the data language active (a new one per use: an
    ``override`` object keeps the language it replaced, so it must not be shared)."""
    return translation.override(DATA_LANGUAGE)


def in_data_language(func):
    """Decorator: ``func`` runs with the data language active."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if translation.get_language() == DATA_LANGUAGE:  # the usual case: no switch (bulk imports call this per row)
            return func(*args, **kwargs)
        with translation.override(DATA_LANGUAGE):
            return func(*args, **kwargs)
    return wrapper


def is_download(request) -> bool:
    """A spreadsheet download: a path ending in .xlsx/.csv, or ``?format=xlsx``."""
    return request.path.endswith(DOWNLOAD_SUFFIXES) or request.GET.get("format") in DOWNLOAD_FORMATS


class DownloadLanguageMiddleware:
    """Spreadsheet downloads are produced in the data language (Chinese), so an English page's
    export has the same headers and labels as a Chinese one. Place after ``LocaleMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_download(request):
            return self.get_response(request)
        with data_language():
            return self.get_response(request)


class ChineseByDefaultMiddleware:
    """Pages are in Chinese unless the user chose another language in the menu (its cookie):
    the browser's ``Accept-Language`` is not followed, so an English-language browser at the
    bureau still opens the system in Chinese. Place before ``LocaleMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
