"""The navigation of the site as a registry: each app registers its pages from ``ready()``,
so ``backend`` never imports an app's views and apps depend one way (STYLE.md)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    help: str = ""
    order: int = 50
    allowed: Callable = lambda user: True


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _ITEMS):
        _ITEMS.append(item)


def items_for(user, current_path: str = "") -> list[dict]:
    out = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if user.is_authenticated and item.allowed(user):
            url = reverse(item.url_name)
            out.append({"url": url, "label": item.label, "help": item.help,
                        "active": bool(current_path) and current_path.startswith(url) and url != "/"})
    return out


def nav_context(request):
    """Template context processor: ``nav_items`` for the current user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": items_for(user, request.path)}
