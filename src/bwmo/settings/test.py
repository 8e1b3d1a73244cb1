"""Settings for the test suite: the real database of DATABASE_URL, fast hashing."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
BWMO_LOGIN_MAX_FAILURES = 5

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Django's SQLite backend, except that the flush after a transactional test may empty the
    # append-only tables (see tests/db/sqlite3/base.py for why that is safe).
    DATABASES["default"]["ENGINE"] = "tests.db.sqlite3"  # noqa: F405
