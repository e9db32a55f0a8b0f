"""Language and time zone choice: the user's preference, else the tenant's default, else the browser."""
from __future__ import annotations

from functools import lru_cache

from babel.numbers import format_decimal
from flask import g, request
from flask_babel import get_locale
from flask_babel import gettext as _
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


def current_locale() -> str:
    """The language of the current request as a code ("en", "km")."""
    return str(get_locale() or "en")


# Number filters for templates. Babel formats a number in ≈ 20 µs; a statistics table shows 800 of
# them, mostly the same few values, so each (value, language) is formatted once per process.
# Formatting is a pure function of both, so the cache can never show a stale text.

@lru_cache(maxsize=8192)
def _number_text(number, locale: str) -> str:
    return format_decimal(number, locale=locale)


@lru_cache(maxsize=8192)
def _percent_text(number, locale: str) -> str:
    return _("%(value)s%%", value=_number_text(number, locale))


def number_filter(number) -> str:
    """`{{ n|numberformat }}` / `{{ n|decimalformat }}`: Babel's decimal format of the page's language."""
    return _number_text(number, current_locale())


def percent_filter(number) -> str:
    """`{{ n|percentformat }}`: a percentage already counted out of 100, e.g. 12.5 → "12.5%"."""
    return _percent_text(number, current_locale())


# Khmer digits (០១២…) for those who choose them: numbers and dates on pages and PDFs are written
# with them; CSV files and the API keep ASCII digits (they do not use these filters).
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def wants_khmer_digits() -> bool:
    """Whether the signed-in user chose Khmer digits (pages and PDFs made for them)."""
    return bool(getattr(current_user, "khmer_digits", False))


def in_users_digits(text) -> str:
    """`text` with its digits in the script the user chose."""
    text = str(text)
    return text.translate(KHMER_DIGITS) if wants_khmer_digits() else text


def _in_users_digits(format_filter):
    def filtered(*args, **kwargs):
        return in_users_digits(format_filter(*args, **kwargs))
    filtered.__name__ = format_filter.__name__
    return filtered


def install_number_filters(app) -> None:
    """Number and date filters in the page's language and the user's digits."""
    filters = app.jinja_env.filters
    filters.update(numberformat=number_filter, decimalformat=number_filter, percentformat=percent_filter)
    for name in ("numberformat", "decimalformat", "percentformat", "dateformat", "datetimeformat", "timeformat",
                 "currencyformat"):
        if name in filters:
            filters[name] = _in_users_digits(filters[name])
