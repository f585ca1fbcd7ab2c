"""Touchline settings: everything that differs between machines comes from the environment.

See README.md ("Configuration") for the variables. With no DATABASE_URL the project runs on SQLite in
IMMEDIATE transaction mode (one writer at a time, so the ledger's ordering still holds); with no
REDIS_URL Celery uses a file-system broker under .run/ so `make run` needs no external service.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext

# Lets Django's generic classes be subscripted at runtime (admin.ModelAdmin[Item]) for mypy.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("TOUCHLINE_RUN_DIR", BASE_DIR / ".run"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("TOUCHLINE_TESTING", False):
        raise RuntimeError(
            "DJANGO_SECRET_KEY is not set. Set it (any long random string) or set DJANGO_DEBUG=1 "
            "for a development run."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "wms",
    "channels_app",
    "channels_app.amazon",
    "channels_app.shopify",
    "compliance",
    "channels_app.carrier",
    "channels_app.erp",
]

MIDDLEWARE = [
    "wms.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "wms.urls"
WSGI_APPLICATION = "wms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(RUN_DIR / "touchline.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN: two writers queue instead of one failing
                # half-way with "database is locked" after reading stale balances.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "wms.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "wms.accounts.backends.RoleBackend",
]
if env_bool("TOUCHLINE_TESTING", False):
    # Tests create many users; PBKDF2's deliberate slowness buys nothing there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = RUN_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
WHITENOISE_USE_FINDERS = DEBUG

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "wms.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "wms.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Touchline WMS API",
    "DESCRIPTION": (
        "Items, locations, containers, balances and the touch ledger. A client user's token sees "
        "only its own client's data. Touches are created only through the scan endpoints, each "
        "carrying a device-generated scan_id: a repeated scan_id returns the original result."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StockStatusEnum": "wms.inventory.models.StockStatus",
        "TouchKindEnum": "wms.inventory.models.TouchKind",
        "IdentifierKindEnum": "wms.catalog.models.IdentifierKind",
        "LocationTypeEnum": "wms.layout.models.LocationType",
        "ContainerTypeEnum": "wms.layout.models.ContainerType",
    },
}

# --- Celery -------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": 3600,
        # A commit's enqueue must fail fast when Redis is down (the outbox sweeper catches up).
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    _broker_dir = RUN_DIR / "broker"
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # else kombu writes ./control
        "store_processed": False,
    }
# An empty Enter (no value, no button) this soon after an RF screen was rendered is a scanner's
# bounce: nothing is recorded (docs/floor.md, "Bounce").
RF_BOUNCE_MS = int(os.environ.get("RF_BOUNCE_MS", "500"))

# --- Cache: shared by every web process when Redis is there (wrong-PIN counts, wms/accounts/pins.py)
if REDIS_URL and not env_bool("TOUCHLINE_TESTING", False):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:  # one process (make run) or a test run: in memory
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "verify-ledger-nightly": {
        "task": "wms.tasks.verify_ledger",
        "schedule": 24 * 60 * 60,
    },
    "retry-backorders": {
        "task": "wms.tasks.retry_backorders",
        "schedule": 5 * 60,
    },
    "record-late-asns": {
        "task": "compliance.tasks.record_late_asns",
        "schedule": 5 * 60,
    },
    "outbox-sweep": {
        "task": "channels_app.outbox.tasks.sweep",
        "schedule": float(os.environ.get("OUTBOX_SWEEP_SECONDS", "10")),
    },
    # Amazon (channels_app/amazon/tasks.py): each returns at once when no integration is active.
    "amazon-poll-orders": {
        "task": "channels_app.amazon.tasks.poll_orders",
        "schedule": float(os.environ.get("AMAZON_POLL_ORDERS_SECONDS", "120")),
    },
    "amazon-poll-notifications": {
        "task": "channels_app.amazon.tasks.poll_notifications",
        "schedule": float(os.environ.get("AMAZON_POLL_NOTIFICATIONS_SECONDS", "15")),
    },
    "amazon-poll-feeds": {
        "task": "channels_app.amazon.tasks.poll_feeds",
        "schedule": 60.0,
    },
    "amazon-reconcile": {
        "task": "channels_app.amazon.tasks.reconcile_all",
        "schedule": float(os.environ.get("AMAZON_RECONCILE_SECONDS", str(4 * 60 * 60))),
    },
    "amazon-pull-returns": {  # reads open returns reports; asks for one every AMAZON_RETURNS_SECONDS
        "task": "channels_app.amazon.tasks.pull_returns_all",
        "schedule": float(os.environ.get("AMAZON_RETURNS_POLL_SECONDS", "900")),
    },
}

# --- Amazon Selling Partner API (README, "Configuration") ---------------------------------------
# Base URLs are settings so the same client talks to the local simulator and to Amazon.
AMAZON_SP_API_URL = os.environ.get("AMAZON_SP_API_URL", "https://sellingpartnerapi-na.amazon.com")
AMAZON_LWA_URL = os.environ.get("AMAZON_LWA_URL", "https://api.amazon.com")
AMAZON_SP_API_TIMEOUT = float(os.environ.get("AMAZON_SP_API_TIMEOUT", "10"))
# How long the order poller waits in-process for Amazon's usage plan before it hands the task back
# to Celery (its paging is saved after every page, so the retry resumes where it stopped).
AMAZON_POLL_PATIENCE = float(os.environ.get("AMAZON_POLL_PATIENCE", "10"))
# Seconds one order-poll task pages before it hands the rest of a backlog to a new task.
AMAZON_POLL_BUDGET = float(os.environ.get("AMAZON_POLL_BUDGET", "240"))
# How often a new MFN returns report is asked of Amazon (channels_app/amazon/returns.py).
AMAZON_RETURNS_SECONDS = float(os.environ.get("AMAZON_RETURNS_SECONDS", str(6 * 60 * 60)))
# Where ORDER_CHANGE notifications are received from (the simulator's /_sim/notifications stands
# in for the SQS queue); empty: order polling alone.
AMAZON_NOTIFICATIONS_URL = os.environ.get("AMAZON_NOTIFICATIONS_URL", "")
# More availability updates than this in one push go as one JSON_LISTINGS_FEED instead of patches.
AMAZON_FEED_THRESHOLD = int(os.environ.get("AMAZON_FEED_THRESHOLD", "10"))
# Check every SP-API request and response against Amazon's models (always on in tests).
AMAZON_VALIDATE_WIRE = env_bool("AMAZON_VALIDATE_WIRE", env_bool("TOUCHLINE_TESTING", False))

# --- Shopify Admin GraphQL API, as a fulfillment service (README, "Shopify") ----------------------
# Empty: each store at https://<shop domain>. Set to the simulator's URL in rehearsals and tests.
SHOPIFY_ADMIN_URL = os.environ.get("SHOPIFY_ADMIN_URL", "")
SHOPIFY_TIMEOUT = float(os.environ.get("SHOPIFY_TIMEOUT", "10"))
# Our public base URL; the fulfillment service's callbackUrl is <this>/channels/shopify/callbacks/<store>.
SHOPIFY_CALLBACK_BASE_URL = os.environ.get("SHOPIFY_CALLBACK_BASE_URL", "http://127.0.0.1:8000")
# Validate every document against the pinned schema before it leaves (on by default: a refused
# document costs a millisecond here and a dead-lettered message with the reason, not a bad call).
SHOPIFY_VALIDATE_WIRE = env_bool("SHOPIFY_VALIDATE_WIRE", True)
# Shopify's quantities against our ATP (channels_app/shopify/tasks.py); returns at once with no
# registered store.
CELERY_BEAT_SCHEDULE |= {
    "shopify-reconcile": {
        "task": "channels_app.shopify.tasks.reconcile_all",
        "schedule": float(os.environ.get("SHOPIFY_RECONCILE_SECONDS", str(4 * 60 * 60))),
    },
}

# --- Outbox (docs/outbox.md) --------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_BACKOFF_BASE = 2.0  # seconds; doubled per failed attempt, with full jitter
OUTBOX_BACKOFF_CAP = 15 * 60.0
OUTBOX_LEASE_SECONDS = 120.0  # longer than any handler's timeout: a claim older is a dead worker's
# Still pending this long after its enqueue: the broker lost it, enqueue again.
OUTBOX_REQUEUE_SECONDS = 30.0
OUTBOX_COALESCE_SECONDS = float(os.environ.get("OUTBOX_COALESCE_SECONDS", "2"))
OUTBOX_HTTP_TIMEOUT = 10.0
# Webhook destinations (`webhook:<name>`), e.g. "brand-erp=https://erp.example.com/touchline".
OUTBOX_WEBHOOKS = dict(
    pair.strip().split("=", 1)
    for pair in os.environ.get("OUTBOX_WEBHOOKS", "").split(",")
    if "=" in pair
)
OUTBOX_WEBHOOK_RATE = 10.0  # calls per second per webhook, until a rate-limit header says otherwise
# The token buckets live on the broker's Redis (a db of its own would do as well).
OUTBOX_RATELIMIT_REDIS_URL = os.environ.get("OUTBOX_RATELIMIT_REDIS_URL", REDIS_URL)

# --- Carriers (README, "Carrier") ----------------------------------------------------------------
CARRIER_API_URL = os.environ.get("CARRIER_API_URL", "http://127.0.0.1:8766")
CARRIER_TIMEOUT = float(os.environ.get("CARRIER_TIMEOUT", "10"))
# "Label created but no carrier scan after N hours": the default N of the list.
CARRIER_NO_SCAN_HOURS = float(os.environ.get("CARRIER_NO_SCAN_HOURS", "24"))
# --- ERP (README, "ERP"): per integration ERP_<NAME>_URL and ERP_<NAME>_TOKEN ---------------------
ERP_TIMEOUT = float(os.environ.get("ERP_TIMEOUT", "10"))
ERP_RATE = float(os.environ.get("ERP_RATE", "5"))  # calls per second per ERP integration
ERP_SNAPSHOT_SECONDS = float(os.environ.get("ERP_SNAPSHOT_SECONDS", str(6 * 60 * 60)))
ERP_ITEM_POLL_SECONDS = float(os.environ.get("ERP_ITEM_POLL_SECONDS", "300"))
# Shopify: fulfillment requests whose callback was lost (channels_app/shopify/tasks.py).
CELERY_BEAT_SCHEDULE |= {
    "shopify-poll-requests": {
        "task": "channels_app.shopify.tasks.poll_requests",
        "schedule": float(os.environ.get("SHOPIFY_POLL_REQUESTS_SECONDS", "300")),
    },
}
CELERY_BEAT_SCHEDULE |= {
    "erp-inventory-snapshots": {
        "task": "channels_app.erp.tasks.send_snapshots",
        "schedule": ERP_SNAPSHOT_SECONDS,
    },
    "erp-item-import": {
        "task": "channels_app.erp.tasks.import_items",
        "schedule": ERP_ITEM_POLL_SECONDS,
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
