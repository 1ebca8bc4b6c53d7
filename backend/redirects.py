"""Where to go after a POST: the one check of a ``next`` address (issue 12).

Forms carry ``next`` (the page they were posted from) so the user comes back to the same list,
filters and page. A ``next`` that leaves the site (``//evil.example``, ``https://evil.example``,
``/\\evil.example``, ``javascript:…``) is ignored and the view's default is used instead.
Every redirect to a ``next`` or ``Referer`` goes through ``safe_next``.
"""
from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_next(request, target: str | None) -> bool:
    """``target`` is an address on this site (a path, or this host's own URL)."""
    target = (target or "").strip()
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure(),
    )


def safe_next(request, default, *args, field: str = "next", **kwargs) -> str:
    """The POST's (else the query string's) ``next`` if it is an address on this site, else
    ``default`` — a path, a URL or a URL name with ``args``/``kwargs``, as ``redirect`` takes."""
    target = (request.POST.get(field) or request.GET.get(field) or "").strip()
    if is_safe_next(request, target):
        return target
    return resolve_url(default, *args, **kwargs)
