"""Translation catalogues. The core and each plugin keep their own catalogue (flask-babel merges
them): `core/translations/` for core/, `plugins/<name>/translations/` for that plugin.

    python -m core.i18n_catalogs update     # extract marked strings, update every km catalogue
    python -m core.i18n_catalogs compile    # .po -> .mo (the setup and app start do this too)
    python -m core.i18n_catalogs missing    # list strings without a Khmer translation
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("km",)
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
METHOD_MAP = [("**/static/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]


def catalogue_dirs() -> list[Path]:
    """core/translations and every plugins/<name>/translations folder."""
    return [ROOT / "core" / "translations", *sorted(p / "translations" for p in (ROOT / "plugins").iterdir()
                                                      if (p / "__init__.py").exists())]


def source_dir(translations: Path) -> Path:
    return translations.parent


def extract(source: Path) -> Catalog:
    """Every marked string under `source` (the core's catalogue leaves plugins to theirs)."""
    catalog = Catalog(project="Samaki", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(source), method_map=METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(translations: Path, locale: str) -> Path:
    return translations / locale / "LC_MESSAGES" / "messages.po"


def read_catalogue(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, project="Samaki")
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def update_catalogues() -> None:
    for translations in catalogue_dirs():
        template = extract(source_dir(translations))
        for locale in LOCALES:
            path = po_path(translations, locale)
            catalog = read_catalogue(path, locale)
            catalog.update(template, update_header_comment=False)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as po_file:
                write_po(po_file, catalog, width=100, omit_header=False, sort_output=True)


def missing_translations() -> dict[Path, list[str]]:
    """Strings marked in the code that a km catalogue does not translate (or only fuzzily)."""
    missing = {}
    for translations in catalogue_dirs():
        template = extract(source_dir(translations))
        for locale in LOCALES:
            path = po_path(translations, locale)
            catalog = read_catalogue(path, locale)
            gaps = []
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, message.context)
                strings = found.string if found is not None else None
                if found is None or found.fuzzy or not (all(strings) if isinstance(strings, tuple) else strings):
                    gaps.append(message.id if isinstance(message.id, str) else message.id[0])
            if gaps:
                missing[path] = gaps
    return missing


def compile_catalogues(dirs: list[Path] | None = None, *, only_stale: bool = True) -> list[Path]:
    compiled = []
    for folder in dirs or catalogue_dirs():
        for po_file_path in folder.glob("*/LC_MESSAGES/*.po"):
            mo_path = po_file_path.with_suffix(".mo")
            if only_stale and mo_path.exists() and mo_path.stat().st_mtime >= po_file_path.stat().st_mtime:
                continue
            catalog = read_catalogue(po_file_path, po_file_path.parts[-3])
            try:
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
            except OSError:
                continue   # read-only install: nothing to refresh
            compiled.append(mo_path)
    return compiled


def main(command: str) -> None:
    if command == "update":
        update_catalogues()
    elif command == "compile":
        for path in compile_catalogues(only_stale=False):
            print(f"compiled {path.relative_to(ROOT)}")
    elif command == "missing":
        gaps = missing_translations()
        for path, messages in gaps.items():
            print(f"{path.relative_to(ROOT)}: {len(messages)} missing")
            for message in messages:
                print(f"  {message!r}")
        sys.exit(1 if gaps else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
