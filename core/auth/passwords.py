"""Password strength rules, shared by every form that sets a password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12   # OWASP ASVS 2.1.1; no rule on which kinds of characters (2.1.9): length is what counts
# The most common choices that pass a length check; a full list would be a data file to keep up.
COMMON = {"password123", "1234567890", "qwertyuiop", "password1234", "samaki12345", "cambodia123",
          "phnompenh123", "iloveyou123", "administrator", "0123456789", "abcdefghij", "letmein1234"}


def password_problems(password: str, *, email: str = "", name: str = "") -> list:
    """Reasons a password is too weak, as translatable messages (empty when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(count)s characters.", count=MIN_LENGTH))
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 5:
        problems.append(_l("This password is too easy to guess."))
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
            name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", "")):
        problems.append(_l("Do not use your name or e-mail address in your password."))
    return problems
