"""Language and time zone choice: the user's preference, else the tenant's default, else the browser."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

LOCALES = {"en": "English", "km": "ខ្មែរ"}   # each language is named in itself
DEFAULT_TIMEZONE = "Asia/Phnom_Penh"


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = request.cookies.get("samaki_locale") if request else None
    if chosen in LOCALES:
        return chosen
    tenant = g.get("tenant")
    if tenant is not None and tenant.default_locale in LOCALES:
        return tenant.default_locale
    return (request.accept_languages.best_match(list(LOCALES)) if request else None) or "en"


def select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else DEFAULT_TIMEZONE


def available_locales() -> list[tuple[str, str]]:
    return list(LOCALES.items())


def locale_choices():
    from wtforms.fields.choices import SelectChoice
    return [SelectChoice(code, name) for code, name in LOCALES.items()]


