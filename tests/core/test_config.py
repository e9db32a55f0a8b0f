"""Settings come from SAMAKI_* variables; production refuses unsafe settings and says why."""
import pytest

from core import create_app
from core.config import Settings, UnsafeConfiguration


def test_production_without_secret_key_refuses_to_start_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMAKI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMAKI_ENV", "production")
    monkeypatch.setenv("SAMAKI_DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app()
    message = str(refused.value)
    assert "SAMAKI_SECRET_KEY" in message and "PostgreSQL" in message and "SAMAKI_SECURE_COOKIES" in message


def test_production_with_safe_settings_starts(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMAKI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SAMAKI_ENV", "production")
    monkeypatch.setenv("SAMAKI_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SAMAKI_DATABASE_URL", "postgresql://samaki@db.internal/samaki")
    monkeypatch.setenv("SAMAKI_SECURE_COOKIES", "1")
    monkeypatch.setenv("SAMAKI_DATA_KEY", "A" * 43 + "=")      # 32 bytes in base64
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_generates_a_secret_key_once_into_instance(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMAKI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SAMAKI_SECRET_KEY", raising=False)
    first = Settings.from_env().SECRET_KEY
    assert len(first) >= 32
    assert (tmp_path / "secret_key").read_text() == first
    assert Settings.from_env().SECRET_KEY == first


def test_defaults_are_safe(monkeypatch, tmp_path):
    monkeypatch.setenv("SAMAKI_INSTANCE_PATH", str(tmp_path))
    settings = Settings.from_env({"SAMAKI_MAIL_SERVER": "smtp.example.org", "SAMAKI_DEFAULT_LOCALE": "km"})
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.BABEL_DEFAULT_TIMEZONE == "Asia/Phnom_Penh"
    assert settings.MAIL_BACKEND == "smtp" and settings.BABEL_DEFAULT_LOCALE == "km"
    assert settings.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
