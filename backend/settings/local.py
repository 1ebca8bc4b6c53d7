"""Development on one machine: SQLite by default, DEBUG on unless the environment says no."""
from . import env
from .base import *  # noqa: F401,F403

DEBUG = env._bool("DEBUG", True)
SECRET_KEY = env.SECRET_KEY or "local-development-only-not-secret"

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
