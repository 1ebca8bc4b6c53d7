"""Login hardening and privacy plumbing (issue 7).

- Lockout: ``LOGIN_MAX_FAILURES`` failed logins within ``LOGIN_LOCKOUT_MINUTES`` lock the user
  name *from that address* for ``LOGIN_LOCKOUT_MINUTES``, and ``LOGIN_MAX_FAILURES_PER_ADDRESS``
  failures from one address (any names) lock the address (issue 12: a lock is not a way to keep
  an account's owner out — their correct password from another address still signs in).
  Enforced in the authentication backend, so the site login, the admin login and any
  ``authenticate()`` call obey it; counted from the auth signals. Behind a reverse proxy the
  proxy must pass the client's address as ``REMOTE_ADDR`` (``audit.client_ip``), or every
  client shares the proxy's.
  (Why not django-axes: it would bring its own models, middleware, admin and settings to do the
  same thing, and its events would still have to be copied into our audit trail; these ~80 lines
  keep one trail and one place that decides.)
- ``CharacterClassesValidator``: passwords of at least ``PASSWORD_MIN_CLASSES`` kinds of
  characters (lower case, upper case, digits, others).
- Audit of login success, failure, lockout and logout through the auth signals (no bulk path
  exists for these, so signals are the right hook).
- The logging filter that masks IDs in log lines is ``core.masking.MaskIdentityFilter``
  (model-free: logging is configured before the apps load).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.backends import ModelBackend
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import LoginThrottle


# ------------------------------------------------------------------ lockout
ALL_NAMES = LoginThrottle.ALL_NAMES


def max_failures() -> int:
    return max(1, int(getattr(settings, "LOGIN_MAX_FAILURES", 5)))


def max_failures_per_address() -> int:
    return max(1, int(getattr(settings, "LOGIN_MAX_FAILURES_PER_ADDRESS", 50)))


def lockout_period() -> dt.timedelta:
    return dt.timedelta(minutes=max(1, int(getattr(settings, "LOGIN_LOCKOUT_MINUTES", 30))))


def _key(username) -> str:
    return str(username or "").strip()[:150]


def address_of(request) -> str:
    """The client address the failures are counted under ("" without a request: a command)."""
    return (audit.client_ip(request) or "")[:45]


def lock_of(username, address: str = "") -> tuple[dt.datetime | None, str]:
    """(when the lock ends, ``"name"`` or ``"address"``) for a login as ``username`` from
    ``address``, or (None, "") if neither the pair nor the address is locked now."""
    key = _key(username)
    if not key:
        return None, ""
    now = timezone.now()
    rows = LoginThrottle.objects.filter(username__in=[key, ALL_NAMES] if address else [key], address=address,
                                        locked_until__gt=now)
    found = {name: until for name, until in rows.values_list("username", "locked_until")}
    if address and ALL_NAMES in found:
        return found[ALL_NAMES], "address"
    if key in found:
        return found[key], "name"
    return None, ""


def locked_until(username, address: str = "") -> dt.datetime | None:
    """When the lock on ``username`` from ``address`` ends, or None if it is not locked now."""
    return lock_of(username, address)[0]


def _count(username: str, address: str, limit: int, now) -> tuple[bool, int]:
    """One more failure on the (username, address) row; (whether it locked now, the count)."""
    window_start = now - lockout_period()
    throttle, _created = LoginThrottle.objects.get_or_create(username=username, address=address)
    if throttle.locked_until and throttle.locked_until > now:
        return False, throttle.failures  # already locked: the attempt was refused before the password was checked
    if throttle.last_failure_at is None or throttle.last_failure_at < window_start:
        LoginThrottle.objects.filter(pk=throttle.pk).update(failures=1, last_failure_at=now, locked_until=None)
        failures = 1
    else:
        LoginThrottle.objects.filter(pk=throttle.pk).update(failures=F("failures") + 1, last_failure_at=now)
        failures = LoginThrottle.objects.values_list("failures", flat=True).get(pk=throttle.pk)
    if failures >= limit:
        LoginThrottle.objects.filter(pk=throttle.pk).update(locked_until=now + lockout_period(), failures=0)
        return True, failures
    return False, failures


def note_failure(username, request=None) -> bool:
    """Count one failed login for ``username`` from the request's address: the (name, address)
    pair locks after ``LOGIN_MAX_FAILURES``, the address (whatever the names) after
    ``LOGIN_MAX_FAILURES_PER_ADDRESS``, both within ``LOGIN_LOCKOUT_MINUTES``. A lock on one
    address leaves the account open from every other (so nobody can lock someone else out).
    Returns True when this failure locked the pair or the address."""
    key = _key(username)
    if not key:
        return False
    address = address_of(request)
    now = timezone.now()
    minutes = int(lockout_period().total_seconds() // 60)
    locked, failures = _count(key, address, max_failures(), now)
    if locked:
        audit.record(
            audit.LOCKOUT, request=request, username=key, object_type="backend.user", object_repr=key,
            # audit rows are in Chinese whatever the page language
            message=f"连续 {failures} 次登录失败，账号在来源地址 {address or '-'} 锁定 {minutes} 分钟（其他地址仍可登录）",
        )
    if address:
        address_locked, total = _count(ALL_NAMES, address, max_failures_per_address(), now)
        if address_locked:
            audit.record(
                audit.LOCKOUT, request=request, username=key, object_type="backend.loginthrottle",
                object_repr=address,
                message=f"来源地址 {address} 在 {minutes} 分钟内登录失败 {total} 次（不限用户名），该地址锁定 {minutes} 分钟",
            )
        locked = locked or address_locked
    return locked


def clear_failures(username, address: str = "") -> None:
    """A successful login clears its own (name, address) count only: a lock another address
    earned stays, and so does the address's count over all names."""
    LoginThrottle.objects.filter(username=_key(username), address=address).exclude(username=ALL_NAMES).delete()


class LockoutBackend(ModelBackend):
    """``ModelBackend`` that refuses a locked user name before the password is even checked.
    Raising ``PermissionDenied`` stops ``authenticate()`` trying other backends and sends
    ``user_login_failed``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if locked_until(username, address_of(request)):
            if request is not None:
                request._login_locked = True
            raise PermissionDenied(_("账号已锁定"))
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class LockoutMessageMixin:
    """Says when a name is locked and for how long (the same answer for a name that does not
    exist, so it reveals nothing). The attempt still goes through ``authenticate()`` first, so
    the refused attempt is audited."""

    locked_minutes = 0
    locked_kind = ""  # "name": this name from this address; "address": the address, whatever the name

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            until, kind = lock_of(self.cleaned_data.get("username"), address_of(self.request))
            if not until:
                raise
            self.locked_minutes = max(1, (int((until - timezone.now()).total_seconds()) + 59) // 60)
            self.locked_kind = kind
            if kind == "address":
                raise ValidationError(
                    _("从您的网络地址登录失败的次数过多，请 %(m)d 分钟后再试。") % {"m": self.locked_minutes},
                    code="address_locked",
                ) from None
            raise ValidationError(
                _("账号已锁定，请 %(m)d 分钟后再试。") % {"m": self.locked_minutes}, code="locked",
            ) from None


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """The site's login form."""


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's login form (``admin.site.login_form``)."""


# ------------------------------------------------------------------ passwords
class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int | None = None):
        self.min_classes = int(min_classes if min_classes is not None else getattr(settings, "PASSWORD_MIN_CLASSES", 3))

    @staticmethod
    def classes(password: str) -> int:
        kinds = set()
        for ch in password:
            if ch.isdigit():
                kinds.add("digit")
            elif ch.isalpha() and ch.isascii() and ch.islower():
                kinds.add("lower")
            elif ch.isalpha() and ch.isascii() and ch.isupper():
                kinds.add("upper")
            else:
                kinds.add("other")
        return len(kinds)

    def validate(self, password, user=None):
        if self.classes(password or "") < self.min_classes:
            raise ValidationError(
                _("密码须包含以下至少 %(n)d 类字符：小写字母、大写字母、数字、其他符号。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码须包含以下至少 %(n)d 类字符：小写字母、大写字母、数字、其他符号。") % {"n": self.min_classes}


# ------------------------------------------------------------------ audit of logins
@receiver(user_logged_in, dispatch_uid="backend.security.logged_in")
def _logged_in(sender, request, user, **kwargs):
    clear_failures(user.get_username(), address_of(request))
    audit.record(audit.LOGIN, user=user, request=request, object_type="backend.user",
                 object_id=str(user.pk), object_repr=user.get_username())


@receiver(user_login_failed, dispatch_uid="backend.security.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = _key(credentials.get("username"))
    locked_before = bool(request is not None and getattr(request, "_login_locked", False))
    audit.record(
        audit.LOGIN_FAILED, request=request, user=None, username=username, object_type="backend.user",
        object_repr=username, message=_("账号锁定期间尝试登录") if locked_before else _("用户名或密码错误"),
    )
    if not locked_before:
        note_failure(username, request)


@receiver(user_logged_out, dispatch_uid="backend.security.logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    idle = bool(request is not None and getattr(request, "_idle_timeout", False))
    audit.record(audit.LOGOUT, user=user, request=request, object_type="backend.user", object_id=str(user.pk),
                 object_repr=user.get_username(), message=_("空闲超时，自动退出") if idle else "")


__all__ = [
    "AdminLoginForm", "CharacterClassesValidator", "LockoutBackend", "LoginForm", "address_of", "clear_failures",
    "lock_of", "locked_until", "note_failure",
]
