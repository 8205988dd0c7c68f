"""Django settings shared by every way into onrecord.

The database is not named here: it belongs to the vault being opened, so
``onrecord.vault.database.activate`` points Django's ``default`` connection at it.
The placeholder below is an in-memory SQLite database that is never written.
"""

from __future__ import annotations

SECRET_KEY = "onrecord-local-placeholder-replaced-per-vault"  # noqa: S105 (no secret in local CLI use)
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGE_CODE = "en"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "onrecord.vault",
    "onrecord.cases",
    "onrecord.steps",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
MIGRATION_MODULES: dict[str, str] = {}
LOGGING_CONFIG = None
