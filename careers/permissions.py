"""Who reads careers pages: HR and leaders with a scope (teachers do not): ``careers.view``."""
from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability


def can_read(user) -> bool:
    return can(user, Capability.CAREERS_VIEW) and scope_for(user).kind != "none"
