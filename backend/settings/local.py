"""One machine (``manage.py``, ``scripts/run``): SQLite by default, and served the way production
is — DEBUG off (the friendly 404/500 pages, tracebacks in the console log), static files through
whitenoise. ``DEBUG=true`` opts in to Django's debug pages."""
from . import env
from .base import *  # noqa: F401,F403

DEBUG = env._bool("DEBUG", False)
SECRET_KEY = env.SECRET_KEY or "local-development-only-not-secret"
# The server listens on 127.0.0.1: those names are always allowed, whatever ALLOWED_HOSTS adds.
ALLOWED_HOSTS = [*env.ALLOWED_HOSTS, *(h for h in ("127.0.0.1", "localhost") if h not in env.ALLOWED_HOSTS)]

# Whitenoise serves the static files with DEBUG on or off, from their source folders (no
# collectstatic), picking up edits; runserver's own static handler is switched off so that it
# never stands in front of whitenoise (whitenoise's "Using WhiteNoise in development").
INSTALLED_APPS = ["whitenoise.runserver_nostatic", *INSTALLED_APPS]  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
