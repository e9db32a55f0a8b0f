#!/usr/bin/env python3
"""Set up and run Samaki on a fresh machine with only Python 3.11+:

    python3 dev.py serve    # install, migrate, create demo data, serve http://127.0.0.1:5000
    python3 dev.py test     # install with test extras (+ Chromium for browser tests) and run every test

Extra arguments after `test` go to pytest (e.g. `python3 dev.py test tests/core -x`).
SAMAKI_VENV chooses the virtual environment (default .venv); SAMAKI_TEST_DATABASE_URL runs the
tests on PostgreSQL instead of SQLite.
"""
from __future__ import annotations

import ctypes.util
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SAMAKI_VENV") or ROOT / ".venv")
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str, **kwargs) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True, cwd=ROOT, **kwargs)


def install(extras: str) -> None:
    """Create the virtual environment and install Samaki into it; skipped when nothing changed."""
    if sys.version_info < (3, 11):
        sys.exit("Samaki needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", str(VENV))
        run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    stamp = VENV / f".samaki-installed-{extras or 'base'}"
    fingerprint = hashlib.sha256((ROOT / "setup.cfg").read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != fingerprint:
        target = f".[{extras}]" if extras else "."
        run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", target)
        stamp.write_text(fingerprint)
    run(str(BIN / "python"), "-m", "core.i18n_catalogs", "compile")


# What some dependencies need from the system, as (check, Debian packages): WeasyPrint draws PDFs
# with Pango; the tests read PDFs back with pdftotext and drive Debian's Chromium (Playwright's own
# browser download needs the internet).
PANGO = (lambda: ctypes.util.find_library("pango-1.0") and ctypes.util.find_library("pangoft2-1.0"),
         ["libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-core"])
TEST_TOOLS = [(lambda: shutil.which("chromium") or shutil.which("chromium-browser"), ["chromium"]),
              (lambda: shutil.which("pdftotext"), ["poppler-utils"])]


def ensure_system_packages(needs: list) -> None:
    missing = [package for present, packages in needs if not present() for package in packages]
    if not missing:
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", *missing)
        return
    sys.exit(f"Samaki needs these system packages: {' '.join(missing)} (Debian/Ubuntu: sudo apt-get install "
             f"{' '.join(missing)}); install them and rerun.")


def serve() -> None:
    ensure_system_packages([PANGO])
    install("")
    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    password_file = instance / "demo-password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(9))
        password_file.chmod(0o600)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    run(*flask, "init")
    run(*flask, "demo", "--password", password_file.read_text().strip())
    print(f"\nDemo logins (password in {password_file.relative_to(ROOT)}): "
          f"owner@demo-lead.example, staff@demo-lead.example, viewer@demo-cso.example, "
          f"staff@demo-consulting.example …  "
          f"password: {password_file.read_text().strip()}\n", flush=True)
    os.execv(flask[0], [*flask, "run", "--host", "127.0.0.1", "--port", "5000"])


def test(pytest_args: list[str]) -> None:
    ensure_system_packages([PANGO, *TEST_TOOLS])
    install("test")
    # One pytest-xdist worker per CPU unless the caller chose (-n 0 runs in one process); each
    # worker gets its own PostgreSQL database (tests/conftest.py).
    parallel = [] if any(arg.startswith("-n") or arg == "--numprocesses" for arg in pytest_args) else ["-n", "auto"]
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", *parallel, *pytest_args], cwd=ROOT)
    sys.exit(result.returncode)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "serve":
        serve()
    elif command == "test":
        test(sys.argv[2:])
    else:
        sys.exit(__doc__)
