"""Settings for zhudai, read from environment variables only (see docs/deployment.md).

One machine: nothing to set; SQLite and Huey's SQLite storage live under ZHUDAI_HOME.
Production: DEBUG=0, SECRET_KEY, ZHUDAI_FIELD_KEYS, ZHUDAI_INDEX_KEY, DATABASE_URL, REDIS_URL.
"""

import base64
import datetime
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or env_bool("ZHUDAI_TESTING")

ZHUDAI_HOME = Path(env("ZHUDAI_HOME", "./var")).resolve()
ZHUDAI_HOME.mkdir(parents=True, exist_ok=True)


def _dev_secret(name, make):
    """Read or create a development secret under ZHUDAI_HOME, refusing to do so in production."""
    if TESTING:
        # Tests get fixed throw-away keys and never write into ZHUDAI_HOME.
        return {"SECRET_KEY": "test-secret-key-" + "x" * 40}.get(name) or base64.b64encode(name.encode().ljust(32, b"k")).decode()
    path = ZHUDAI_HOME / f"{name.lower()}.txt"
    if path.exists():
        return path.read_text().strip()
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            f"{name} is not set. With DEBUG=0 zhudai refuses to start without explicit keys; "
            f"see docs/deployment.md."
        )
    value = make()
    path.write_text(value + "\n")
    path.chmod(0o600)
    print(
        f"警告: 已生成开发用 {name}，保存在 {path}。"
        + ("请备份：丢失它将无法读取已加密的个人信息。" if name != "SECRET_KEY" else ""),
        file=sys.stderr,
    )
    return value


def _new_key():
    return base64.b64encode(secrets.token_bytes(32)).decode()


SECRET_KEY = env("SECRET_KEY") or _dev_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
# Encryption keys for personal data, newest first; older keys stay readable until `zhudai rotate-keys`.
FIELD_ENCRYPTION_KEYS = [
    k.strip() for k in (env("ZHUDAI_FIELD_KEYS") or _dev_secret("ZHUDAI_FIELD_KEYS", _new_key)).split(",")
    if k.strip()
]
# HMAC key for blind indexes (exact search and uniqueness of encrypted values). Changing it
# requires `zhudai rotate-keys --reindex`.
BLIND_INDEX_KEY = env("ZHUDAI_INDEX_KEY") or _dev_secret("ZHUDAI_INDEX_KEY", _new_key)

# Behind our nginx (deploy/nginx.conf) the client address comes from X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "huey.contrib.djhuey",
    "axes",
    "zhudai.core",
    "zhudai.accounts",
    "zhudai.audit",
    "zhudai.security",
    "zhudai.engines.forms",
    "zhudai.engines.flow",
    "zhudai.engines.rules",
    "zhudai.customers",
    "zhudai.loans",
    "zhudai.notify",
    "zhudai.io",
    "zhudai.api",
    "zhudai.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhudai.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhudai.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhudai.urls"
WSGI_APPLICATION = "zhudai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhudai.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{ZHUDAI_HOME / 'zhudai.sqlite3'}",
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE avoids "database is locked"
        # surprises when two processes upgrade a read transaction to a write. A 64 MB page cache:
        # the customer table carries ~17 indexes, and with the default 2 MB a bulk import thrashes.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif env_bool("DB_PREPARED_STATEMENTS", True):
    # PostgreSQL: bind parameters on the server and let psycopg prepare statements a connection
    # runs often (the list page's queries), so PostgreSQL stops parsing and planning them on every
    # request. Turn off (DB_PREPARED_STATEMENTS=0) behind a transaction-pooling PgBouncer. Plans stay
    # per call (force_custom_plan): a generic plan would ignore how selective this owner or prefix is.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "server_side_binding": True, "prepare_threshold": 5, "options": "-c plan_cache_mode=force_custom_plan"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "zhudai.accounts.backends.RoleBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions are read from the cache and written through to the database, so a restart or a
# second server loses nobody's login. Sessions end after 8 idle hours and when the browser closes.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("HTTPS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("HTTPS", False):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login lockout: 5 failures for one user name from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Successful logins are in our own audit log; axes keeps only what lockout needs.
AXES_DISABLE_ACCESS_LOG = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = ZHUDAI_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": env("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(ZHUDAI_HOME / "media")))
# No MEDIA_URL is served: attachments go out only through permission-checked views.

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
# Spreadsheet import limits: file size, data rows, and the unzipped size of .xlsx/.ods files.
IMPORT_MAX_FILE_BYTES = int(env("IMPORT_MAX_FILE_MB", "200")) * 1024 * 1024
IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", "1000000"))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(env("IMPORT_MAX_UNCOMPRESSED_MB", "2000")) * 1024 * 1024
# Large imports prepare rows in a helper process while the main one writes (see io/pipeline.py).
IMPORT_HELPER_PROCESS = env_bool("IMPORT_HELPER_PROCESS", not TESTING)
IMPORT_HELPER_MIN_ROWS = int(env("IMPORT_HELPER_MIN_ROWS", "20000"))
ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_MB", "20")) * 1024 * 1024
# The lead pool (公海): claims per salesperson and day; days without follow-up before a new lead goes back.
LEAD_POOL_DAILY_LIMIT = int(env("LEAD_POOL_DAILY_LIMIT", "20"))
LEAD_POOL_TAKE_BACK_DAYS = int(env("LEAD_POOL_TAKE_BACK_DAYS", "15"))
# The public lead form: submissions per address and hour.
LEAD_FORM_RATE_PER_HOUR = int(env("LEAD_FORM_RATE_PER_HOUR", "5"))
# Working hours for process time limits counted in working hours (with the Chinese holiday calendar).
WORK_DAY_START = datetime.time.fromisoformat(env("WORK_DAY_START", "09:00"))
WORK_DAY_END = datetime.time.fromisoformat(env("WORK_DAY_END", "18:00"))

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "zhudai",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": int(env("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "zhudai",
        "filename": str(ZHUDAI_HOME / "huey.sqlite3"),
        "immediate": TESTING,
        "consumer": {"workers": int(env("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }
if TESTING:
    HUEY["immediate"] = True

# Notifications (docs/notifications.md). SMS_BACKEND: console (default), aliyun or tencent.
SMS = {
    "BACKEND": env("SMS_BACKEND", "console"),
    "SIGN_NAME": env("SMS_SIGN_NAME", ""),
    "ALIYUN_ACCESS_KEY_ID": env("ALIYUN_ACCESS_KEY_ID", ""),
    "ALIYUN_ACCESS_KEY_SECRET": env("ALIYUN_ACCESS_KEY_SECRET", ""),
    "ALIYUN_ENDPOINT": env("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    "TENCENT_SECRET_ID": env("TENCENT_SECRET_ID", ""),
    "TENCENT_SECRET_KEY": env("TENCENT_SECRET_KEY", ""),
    "TENCENT_SDK_APP_ID": env("TENCENT_SMS_SDK_APP_ID", ""),
    "TENCENT_REGION": env("TENCENT_SMS_REGION", "ap-guangzhou"),
    "TENCENT_ENDPOINT": env("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/"),
}
DINGTALK_SECRET = env("DINGTALK_SECRET", "")
# Customer-facing SMS wait outside these hours (deferred, not dropped).
SMS_QUIET_START = datetime.time.fromisoformat(env("SMS_QUIET_START", "21:00"))
SMS_QUIET_END = datetime.time.fromisoformat(env("SMS_QUIET_END", "08:00"))

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "zhudai@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "zhudai.api.base.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "zhudai API",
    "DESCRIPTION": "REST API of zhudai. Every endpoint applies the caller's data scope and masking.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # A handler of its own (and no propagation), so that run_huey adds none: each line once.
        "huey": {"handlers": ["console"], "level": "WARNING" if TESTING else "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
