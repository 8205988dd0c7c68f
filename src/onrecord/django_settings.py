"""Django settings shared by every way into onrecord.

The database is not named here: it belongs to the vault being opened, so
``onrecord.vault.database.activate`` points Django's ``default`` connection at it.
The placeholder below is an in-memory SQLite database that is never written.

The web app (``onrecord serve``) adds the rest: middleware, templates and sessions. On a
laptop, sessions live in this process's memory (the local-memory cache), never in the
vault's database, so locking the vault or restarting the app ends every session, and
nothing of a session is left on disk; ``make_app`` sets a random ``SECRET_KEY`` per run.
On the organisation server ``make_app`` switches to sessions in the shared database with
a key derived from the vault's master key, so every web process accepts them
(``onrecord.web.sessions``).
"""

from __future__ import annotations

SECRET_KEY = "onrecord-local-placeholder-replaced-per-vault"  # noqa: S105 (no secret in local CLI use)
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "onrecord.vault",
    "onrecord.cases",
    "onrecord.steps",
    "onrecord.server",  # staff, case shares, the job queue's schema (PostgreSQL)
    "onrecord.web",  # templates and translations only; it has no models
]
# Staff passwords (organisation server): Argon2id first, so a login never re-hashes to PBKDF2.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
MIGRATION_MODULES: dict[str, str] = {}
LOGGING_CONFIG = None

# -- the web app ----------------------------------------------------------------------------
ROOT_URLCONF = "onrecord.web.urls"
MIDDLEWARE = [
    "onrecord.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "onrecord.web.middleware.VaultLockMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "onrecord.web.context.common",
            ],
        },
    }
]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "onrecord"}
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_COOKIE_NAME = "onrecord_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_NAME = "onrecord_csrf"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True  # the token travels in each form and in htmx's header, from the page
CSRF_FAILURE_VIEW = "onrecord.web.views.access.csrf_failure"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
X_FRAME_OPTIONS = "DENY"
STATIC_URL = "/static/"
# Uploaded files are spooled to disk encrypted under a per-request key (web/uploads.py):
# never held whole in memory, never a plaintext temporary file.
FILE_UPLOAD_HANDLERS = ["onrecord.web.uploads.EncryptedSpoolHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
