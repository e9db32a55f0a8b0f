"""Settings from SAMAKI_* environment variables, with safe defaults for a laptop."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


class UnsafeConfiguration(RuntimeError):
    """Raised at start-up when production mode is asked for with settings that would be unsafe."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return int(value) if value not in (None, "") else default


def instance_path() -> Path:
    return Path(os.environ.get("SAMAKI_INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def secret_key_from_instance(folder: Path) -> str:
    """Generate a secret key into instance/ on first run so sessions survive restarts."""
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


@dataclass
class Settings:
    """Every setting the app reads. Flask config keys are the upper-case attribute names."""

    ENV: str = "development"
    SECRET_KEY: str = ""
    # Encrypts protected identities and two-factor secrets (core.data_key): 32 bytes in base64,
    # kept outside the database. Required in production; derived from SECRET_KEY otherwise.
    DATA_KEY: str = ""
    DATA_KEYS_OLD: str = ""          # previous keys, still read during a rotation (comma-separated)
    SQLALCHEMY_DATABASE_URI: str = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = field(default_factory=dict)
    BABEL_DEFAULT_LOCALE: str = "en"
    BABEL_DEFAULT_TIMEZONE: str = "Asia/Phnom_Penh"
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False
    REMEMBER_COOKIE_HTTPONLY: bool = True
    REMEMBER_COOKIE_SAMESITE: str = "Lax"
    REMEMBER_COOKIE_SECURE: bool = False
    # A session ends after this long without a request, and this long after its login whatever
    # happens; "keep me logged in" makes the cookie outlive the browser, within the same limits.
    SESSION_IDLE_MINUTES: int = 120
    SESSION_MAX_HOURS: int = 24 * 7
    PERMANENT_SESSION_LIFETIME: int = 24 * 7 * 3600
    MAX_CONTENT_LENGTH: int = 10 * 1024 * 1024
    MAIL_BACKEND: str = "console"  # console | smtp
    MAIL_SERVER: str = ""
    MAIL_PORT: int = 587
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_USE_TLS: bool = True
    MAIL_FROM: str = "Samaki <no-reply@samaki.local>"
    REDIS_URL: str = ""
    API_RATE_LIMITS_ENABLED: bool = True
    API_RATE_LIMIT: str = "300/minute"               # per API token
    API_ADDRESS_RATE_LIMIT: str = "1200/minute"      # per client address, API calls without a valid token
    API_RATE_LIMIT_KEY_PREFIX: str = "samaki-api"    # several instances may share one Redis
    UPLOAD_FOLDER: str = ""
    STORAGE: str = "local"           # local (UPLOAD_FOLDER) | s3 (a bucket every app host shares)
    S3_BUCKET: str = ""
    S3_ENDPOINT_URL: str = ""        # MinIO, Garage, Ceph…; empty for AWS itself
    S3_REGION: str = ""
    PASSWORD_RESET_MAX_AGE: int = 3600
    LOGIN_THROTTLE_FREE_ATTEMPTS: int = 3
    LOGIN_THROTTLE_MAX_DELAY: int = 900
    TRACE_HOOKS: bool = False
    CHECK_PENDING_MIGRATIONS: bool = True
    BASE_URL: str = "http://127.0.0.1:5000"
    # Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For/-Proto the
    # app believes: without it every request seems to come from the proxy, so the sign-in throttle,
    # the per-address API limit and the audit log would all see one address.
    TRUSTED_PROXIES: int = 0
    # Webhook endpoints on private, loopback, link-local or reserved addresses (and plain http) are
    # refused unless this is on: for tests and closed networks only.
    WEBHOOKS_ALLOW_PRIVATE: bool = False

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        folder = instance_path()
        settings = cls(
            ENV=env.get("SAMAKI_ENV", "development"),
            SECRET_KEY=env.get("SAMAKI_SECRET_KEY", ""),
            DATA_KEY=env.get("SAMAKI_DATA_KEY", ""),
            DATA_KEYS_OLD=env.get("SAMAKI_DATA_KEYS_OLD", ""),
            SQLALCHEMY_DATABASE_URI=env.get("SAMAKI_DATABASE_URL") or f"sqlite:///{folder / 'samaki.db'}",
            BABEL_DEFAULT_LOCALE=env.get("SAMAKI_DEFAULT_LOCALE", "en"),
            BABEL_DEFAULT_TIMEZONE=env.get("SAMAKI_DEFAULT_TIMEZONE", "Asia/Phnom_Penh"),
            SESSION_COOKIE_SECURE=_bool(env.get("SAMAKI_SECURE_COOKIES")),
            REMEMBER_COOKIE_SECURE=_bool(env.get("SAMAKI_SECURE_COOKIES")),
            SESSION_IDLE_MINUTES=_int(env.get("SAMAKI_SESSION_IDLE_MINUTES"), 120),
            SESSION_MAX_HOURS=_int(env.get("SAMAKI_SESSION_MAX_HOURS"), 24 * 7),
            PERMANENT_SESSION_LIFETIME=_int(env.get("SAMAKI_SESSION_MAX_HOURS"), 24 * 7) * 3600,
            MAX_CONTENT_LENGTH=_int(env.get("SAMAKI_MAX_UPLOAD_MB"), 10) * 1024 * 1024,
            MAIL_BACKEND="smtp" if env.get("SAMAKI_MAIL_SERVER") else "console",
            MAIL_SERVER=env.get("SAMAKI_MAIL_SERVER", ""),
            MAIL_PORT=_int(env.get("SAMAKI_MAIL_PORT"), 587),
            MAIL_USERNAME=env.get("SAMAKI_MAIL_USERNAME", ""),
            MAIL_PASSWORD=env.get("SAMAKI_MAIL_PASSWORD", ""),
            MAIL_USE_TLS=_bool(env.get("SAMAKI_MAIL_USE_TLS"), True),
            MAIL_FROM=env.get("SAMAKI_MAIL_FROM", "Samaki <no-reply@samaki.local>"),
            REDIS_URL=env.get("SAMAKI_REDIS_URL", ""),
            API_RATE_LIMITS_ENABLED=_bool(env.get("SAMAKI_API_RATE_LIMITS_ENABLED"), True),
            API_RATE_LIMIT=env.get("SAMAKI_API_RATE_LIMIT") or "300/minute",
            API_ADDRESS_RATE_LIMIT=env.get("SAMAKI_API_ADDRESS_RATE_LIMIT") or "1200/minute",
            API_RATE_LIMIT_KEY_PREFIX=env.get("SAMAKI_API_RATE_LIMIT_KEY_PREFIX") or "samaki-api",
            UPLOAD_FOLDER=env.get("SAMAKI_UPLOAD_FOLDER") or str(folder / "uploads"),
            # Credentials for S3 come from the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables.
            STORAGE=(env.get("SAMAKI_STORAGE") or "local").strip().lower(),
            S3_BUCKET=env.get("SAMAKI_S3_BUCKET", ""),
            S3_ENDPOINT_URL=env.get("SAMAKI_S3_ENDPOINT_URL", ""),
            S3_REGION=env.get("SAMAKI_S3_REGION", ""),
            TRACE_HOOKS=_bool(env.get("SAMAKI_TRACE_HOOKS")),
            BASE_URL=env.get("SAMAKI_BASE_URL", "http://127.0.0.1:5000"),
            TRUSTED_PROXIES=_int(env.get("SAMAKI_TRUSTED_PROXIES"), 0),
            WEBHOOKS_ALLOW_PRIVATE=_bool(env.get("SAMAKI_WEBHOOKS_ALLOW_PRIVATE")),
        )
        if settings.SQLALCHEMY_DATABASE_URI.startswith("postgresql://"):
            # psycopg 3 is the driver we ship in the [postgres] extra.
            settings.SQLALCHEMY_DATABASE_URI = settings.SQLALCHEMY_DATABASE_URI.replace(
                "postgresql://", "postgresql+psycopg://", 1)
        if not settings.SECRET_KEY and settings.ENV != "production":
            settings.SECRET_KEY = secret_key_from_instance(folder)
        return settings

    def as_flask_config(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def check_production_safety(config: dict) -> list[str]:
    """Reasons why this configuration must not serve production traffic (empty when safe)."""
    problems = []
    if config.get("ENV") != "production":
        return problems
    if len(config.get("SECRET_KEY") or "") < 32:
        problems.append("SAMAKI_SECRET_KEY must be set to a random value of at least 32 characters.")
    problems += _data_key_problems(config)
    if (config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
        problems.append("SAMAKI_DATABASE_URL must point at PostgreSQL; SQLite is for trying Samaki out.")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SAMAKI_SECURE_COOKIES=1 is required: production is served over HTTPS.")
    if config.get("DEBUG"):
        problems.append("Debug mode must be off in production.")
    return problems


def _data_key_problems(config: dict) -> list[str]:
    from core.data_key import DataKeyError, decode_key
    if not (config.get("DATA_KEY") or "").strip():
        return ["SAMAKI_DATA_KEY must be set (32 random bytes in base64, kept outside the database): it encrypts "
                "protected identities and two-factor secrets."]
    try:
        decode_key(config["DATA_KEY"])
        for text in (config.get("DATA_KEYS_OLD") or "").replace(",", " ").split():
            decode_key(text, "SAMAKI_DATA_KEYS_OLD")
    except DataKeyError as error:
        return [str(error)]
    return []
