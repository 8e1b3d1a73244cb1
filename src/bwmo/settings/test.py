"""Settings for the test suite: the real database of DATABASE_URL, fast hashing."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
BWMO_LOGIN_MAX_FAILURES = 5
# Most tests log in staff users with force_login; tests/accounts/test_two_factor.py and the
# browser journey switch enforcement on (override_settings) and test it.
BWMO_TWO_FACTOR_ENFORCED = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production, rather than SQLite's shared in-memory database: parallel
    # requests (the login drill, the live server) then wait for the write lock as they do in
    # production instead of failing at once with "database table is locked".
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"bwmo-test-{os.getpid()}.sqlite3")  # noqa: F405
    }
    # Django's SQLite backend, except that the flush after a transactional test may empty the
    # append-only tables (see tests/db/sqlite3/base.py for why that is safe).
    DATABASES["default"]["ENGINE"] = "tests.db.sqlite3"  # noqa: F405
