"""pytest settings: fast hashing, tasks run immediately, media in a temporary folder."""
import tempfile

from . import env
from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="teachers-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES = {"default": {**env.DATABASE, "TEST": {"NAME": env.TEST_DB_NAME} if env.TEST_DB_NAME else {}}}
# A replica alias that is the test database itself (Django's test mirror), so the router's tests
# run on SQLite and PostgreSQL alike; reads go to it only where a test sets READ_REPLICA.
DATABASES["replica"] = {**env.DATABASE, "TEST": {"MIRROR": "default"}}
READ_REPLICA = ""
DATABASE_ROUTERS = ["backend.routers.ReplicaRouter"]

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The number of cities is kept for the whole run: a query count a test asserts never meets a re-read
# (a test adding a city has it forgotten at once and again after it: tests/conftest.py).
CITY_COUNT_CACHE_SECONDS = 10**9
# The same for the rights table: kept for the whole run instead of 60 s, so a test's query count
# never meets the expiry in its middle (a test that reads the table again has it forgotten after
# it: tests/conftest.py).
RIGHTS_CACHE_SECONDS = 10**9
