"""Middleware of issue 7: idle-session expiry, no caching of pages with personal data, and an
audit row for every refusal (HTTP 403, CSRF failures included; issue 12: the 404s for records
outside the scope and the refusals shown as messages)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from . import audit

LAST_ACTIVITY = "_last_activity"


def idle_limit_seconds() -> int:
    return max(1, int(getattr(settings, "SESSION_IDLE_MINUTES", 30))) * 60


def not_activity(view):
    """Mark a view that a page calls by itself (a progress bar polling every second): its
    requests do not count as the user's activity, so they neither keep an idle session alive
    nor write the session. (A write would wait for an import's transaction on SQLite, and the
    progress bar would stop exactly while the import writes.)"""
    view.not_activity = True
    return view


class SessionSecurityMiddleware:
    """Logs a user out after ``SESSION_IDLE_MINUTES`` without a request (audited as a logout
    "空闲超时"), and marks every page served to a signed-in user ``Cache-Control: no-store`` so
    personal data stays out of shared and browser caches. Place after the message middleware.
    A request to a view marked ``not_activity`` is checked for expiry but is not activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - float(last) > idle_limit_seconds():
                request._idle_timeout = True
                logout(request)
                messages.info(request, _("由于长时间未操作，您已自动退出，请重新登录。"))
                return redirect_to_login(request.get_full_path())
            request._activity_at = now  # recorded in process_view, unless the view is not_activity
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        now = getattr(request, "_activity_at", None)
        if now is not None and not getattr(view_func, "not_activity", False):
            request.session[LAST_ACTIVITY] = now
        return None


class AuditRefusalMiddleware:
    """Records a ``denied`` audit row for every 403 answer, and writes the refusals a view noted
    with ``audit.record_refusal`` (a 404 for a record outside the scope, a service's refusal shown
    as a message, a filter on a masked field) once the response is made — outside the view's
    transaction. Place right after the session middleware, outside CSRF, so CSRF refusals are
    seen too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._pending_refusals = []
        response = self.get_response(request)
        pending, request._pending_refusals = request._pending_refusals, None
        if response.status_code == 403 and not pending:
            pending = [{"object_repr": request.path[:200], "message": f"{request.method} {request.path}"}]
        if pending:
            audit.write_refusals(request, pending)
        return response
