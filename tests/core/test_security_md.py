"""SECURITY.md maps each OWASP ASVS requirement to the tests that prove it. Every test it names
must exist, so the map cannot rot when a test is renamed, moved or removed."""
from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY_MD = ROOT / "SECURITY.md"
# A reference is written in backticks: `tests/core/test_auth.py::test_name` (one test) or
# `tests/core/test_auth.py` (the whole file).
CITED = re.compile(r"`(tests/[^`]*)`")
REFERENCE = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?")
CHAPTERS = [f"V{number}" for number in range(1, 15)]


def security_md() -> str:
    return SECURITY_MD.read_text(encoding="utf-8")


def references(text: str) -> list[tuple[str, str | None]]:
    """(file, test name or None) for every test SECURITY.md names."""
    return [(match.group(1), match.group(2)) for match in map(REFERENCE.fullmatch, CITED.findall(text)) if match]


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """The test functions a file defines, at module level or in a class."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return frozenset(node.name for node in ast.walk(tree)
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"))


def test_every_test_named_in_security_md_exists():
    missing = []
    for file, name in sorted(set(references(security_md())), key=lambda ref: (ref[0], ref[1] or "")):
        path = ROOT / file
        if not path.is_file():
            missing.append(f"{file}: no such file")
        elif name is not None and name not in defined_tests(path):
            missing.append(f"{file}::{name}: no such test")
    assert not missing, "SECURITY.md names tests that do not exist:\n" + "\n".join(missing)


def test_every_test_reference_is_written_so_that_it_is_checked():
    # `tests/x.py:test_y` or `tests/x.py::test_y[param]` would slip past the check above.
    malformed = [cited for cited in CITED.findall(security_md()) if not REFERENCE.fullmatch(cited)]
    assert not malformed, f"write test references as `tests/path.py::test_name`: {malformed}"


def test_security_md_covers_every_asvs_chapter_with_tests():
    text = security_md()
    sections = re.split(r"^### (?=V\d+ )", text, flags=re.MULTILINE)
    chapters = {section.split()[0]: section for section in sections[1:]}
    assert list(chapters) == CHAPTERS
    for chapter, section in chapters.items():
        assert references(section), f"{chapter} names no test"
    assert len({ref for ref in references(text) if ref[1]}) >= 150   # the map, not a stray mention


def test_the_check_sees_a_missing_test(tmp_path):
    """The reference pattern finds both forms, so the first test really checks something."""
    text = ("| 2.8.4 | used once | **Met**: `tests/core/test_two_factor.py::test_replayed_code_is_refused`, "
            "`tests/ops/test_two_servers.py` |")
    assert references(text) == [("tests/core/test_two_factor.py", "test_replayed_code_is_refused"),
                                ("tests/ops/test_two_servers.py", None)]
    assert "test_no_such_thing" not in defined_tests(ROOT / "tests/core/test_two_factor.py")
