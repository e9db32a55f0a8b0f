"""Khmer and English: every string shown to users is marked for translation, the Khmer catalogues
translate every marked string, and pages come out in the user's language."""
import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from core.i18n_catalogs import missing_translations
from tests.helpers import login

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "core", *sorted((ROOT / "plugins").glob("*/"))]
# Names that are the same in every language.
UNTRANSLATED_WORDS = {"Samaki", "សាមគ្គី", "English", "ខ្មែរ", "A2I", "CSV", "API", "OpenAPI", "USD", "KHR"}
USER_TEXT_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in USER_TEXT_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)

    def _check(self, text):
        words = [w for w in re.split(r"[\s\W\d_]+", text) if w and any(c.isalpha() for c in w)]
        if [w for w in words if w not in UNTRANSLATED_WORDS]:
            self.found.append(text.strip())


def templates():
    for package in SHIPPED:
        yield from package.rglob("templates/**/*.html")


def test_templates_have_no_unmarked_text():
    unmarked = {}
    for path in templates():
        parser = VisibleText()
        parser.feed(JINJA.sub(" ", path.read_text(encoding="utf-8")))
        if parser.found:
            unmarked[str(path.relative_to(ROOT))] = parser.found
    assert unmarked == {}, f"text not wrapped in _(): {unmarked}"


# Calls whose string arguments reach users: their literal strings must go through _() / _l().
USER_FACING_CALLS = {"flash", "ValidationError", "DomainError", "NavItem", "Widget", "Permission", "PluginInfo",
                     "Indicator", "ShareableType", "SearchHit"}
FIELD_CLASS = re.compile(r".*Field$")


def unmarked_python_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in USER_FACING_CALLS or FIELD_CLASS.match(name):
            arguments = list(node.args[:2]) + [k.value for k in node.keywords if k.arg in
                                                 {"label", "title", "message", "description", "kind"}]
            for argument in arguments:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str) \
                        and any(c.isalpha() for c in argument.value) and " " in argument.value.strip():
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {argument.value!r}")
    return problems


def test_python_strings_shown_to_users_are_marked():
    problems = [p for package in SHIPPED for path in package.rglob("*.py") for p in unmarked_python_strings(path)]
    assert problems == [], "\n".join(problems)


def test_khmer_catalogues_translate_every_marked_string():
    missing = missing_translations()
    assert missing == {}, "\n".join(f"{path}: {len(ids)} missing, e.g. {ids[:5]}" for path, ids in missing.items())


def test_a_user_who_chose_khmer_sees_khmer_pages(client, tenant, staff):
    login(client, staff.email)
    client.post("/locale", data={"locale": "km", "next": f"/t/{tenant.slug}/"})
    page = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert '<html lang="km"' in page
    assert "ផ្ទាំងគ្រប់គ្រង" in page      # "Dashboard"
    assert staff.locale == "km"


def test_tenant_default_language_applies_before_the_browsers(client, tenant, staff):
    tenant.default_locale = "km"
    from core.extensions import db
    db.session.commit()
    login(client, staff.email)
    page = client.get(f"/t/{tenant.slug}/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="km"' in page


def test_logged_out_pages_follow_the_browser_language(client):
    assert '<html lang="km"' in client.get("/login", headers={"Accept-Language": "km,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en"' in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_dates_and_numbers_are_formatted_by_babel_in_khmer(app):
    from datetime import date

    from flask_babel import force_locale, format_date, format_decimal
    with app.test_request_context(), force_locale("km"):
        assert format_date(date(2026, 9, 28), "long") != "September 28, 2026"
        assert "កញ្ញា" in format_date(date(2026, 9, 28), "long")      # Khmer month name
        assert format_decimal(1234567.5) in {"1.234.567,5", "1,234,567.5"}


def test_number_filters_format_each_language_as_babel_does(app):
    """The templates' number filters remember what they formatted; the text must stay Babel's,
    in the language of the page, even when the same value was shown in another language first."""
    from babel.numbers import format_decimal
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ 1234567.5|decimalformat }} · {{ 1234|numberformat }} · {{ 12.5|percentformat }}"
    with app.test_request_context():
        with force_locale("en"):
            english = render_template_string(template)
        with force_locale("km"):
            khmer = render_template_string(template)
    assert english == "1,234,567.5 · 1,234 · 12.5%"
    assert khmer == (f"{format_decimal(1234567.5, locale='km')} · {format_decimal(1234, locale='km')} · "
                     f"{format_decimal(12.5, locale='km')}%")
