"""Who reads careers pages: HR and leaders with a scope (teachers do not)."""
from core.roles import Role, is_hr
from backend.scoping import scope_for


def can_read(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (is_hr(user) or user.role == Role.LEADER)
                and scope_for(user).kind != "none")
