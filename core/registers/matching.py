"""How two contacts are compared for duplicates: names and phones reduced to match keys.

Khmer text is compared after NFC normalisation (canonically equivalent character orders become
one) without zero-width spaces and joiners, which Khmer typists insert between words. Latin
spellings of Khmer names vary: case, spacing, hyphens and a few common romanisation variants
(Sokh/Sok, Chhea/Chea, Sovannarith/Sovanarith) reduce to one key. Phones reduce to the national
number: +855 12 345 678, 00855 12 345 678, 012 345 678 and 012345678 are one phone.
Plain Python, no Flask: the contacts service and the import both use it.
"""
from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Romanisation variants, applied in order to a lower-case word without spaces.
_LATIN_VARIANTS = [
    (re.compile(r"([bcdfgjklmnpqrstvwxz])h(?=[bcdfgjklmnpqrstvwxz]|$)"), r"\1"),  # Sokh -> Sok, Chhnang -> Chnang
    (re.compile(r"([a-z])\1+"), r"\1"),                                           # Sovannarith -> Sovanarith
    (re.compile(r"ou"), "o"),                                                     # Chhoun -> Chon
    (re.compile(r"ea"), "e"),                                                     # Chhea -> Che
    (re.compile(r"y$"), "i"),                                                     # Sophy -> Sophi
]
_KHMER = re.compile(r"[\u1780-\u17ff]")


def clean_text(text: str | None) -> str:
    """NFC without invisible characters, single spaces, trimmed: how names are stored."""
    text = unicodedata.normalize("NFC", text or "").translate(_INVISIBLE)
    return " ".join(text.split())


def khmer_key(text: str | None) -> str:
    """A Khmer name's key: NFC, no invisible characters, no spaces or punctuation."""
    # Letters, vowel signs and digits stay; spaces and punctuation go (Khmer vowel signs are
    # combining marks, which a regex \w does not match).
    return "".join(ch for ch in clean_text(text) if unicodedata.category(ch)[0] in "LMN")


def latin_key(text: str | None) -> str:
    """A Latin-script name's key: word order kept, case, spacing, punctuation and variants folded."""
    words = []
    for word in clean_text(text).casefold().split():
        word = unicodedata.normalize("NFKD", word)
        word = "".join(ch for ch in word if ch.isascii() and ch.isalnum())
        for pattern, replacement in _LATIN_VARIANTS:
            word = pattern.sub(replacement, word)
        if word:
            words.append(word)
    return "".join(words)


def name_key(name_km: str | None, name_latin: str | None) -> str:
    """The key stored in Contact.match_name: the Khmer key when there is a Khmer name, else the
    Latin one, each prefixed so the two scripts never collide."""
    khmer = khmer_key(name_km)
    if khmer:
        return "km:" + khmer
    latin = latin_key(name_latin)
    if latin and _KHMER.search(name_latin or ""):
        return "km:" + khmer_key(name_latin)
    return "la:" + latin if latin else ""


def latin_name_key(name_latin: str | None) -> str:
    """The Latin key alone (to compare a Latin spelling with records that also have a Khmer name)."""
    latin = latin_key(name_latin)
    return "la:" + latin if latin else ""


def phone_key(phone: str | None) -> str:
    """The national form of a Cambodian phone number (leading 0, digits only); other countries'
    numbers keep their international digits. Empty when there are fewer than 6 digits."""
    text = clean_text(phone)
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") or digits.startswith("00"):
        digits = digits[2:] if digits.startswith("00") else digits
        if digits.startswith("855"):
            digits = "0" + digits[3:]
        else:
            digits = "+" + digits
    elif digits.startswith("855") and len(digits) >= 11:
        digits = "0" + digits[3:]
    elif digits and not digits.startswith("0") and 8 <= len(digits) <= 9:
        digits = "0" + digits
    return digits if len(digits.lstrip("+")) >= 6 else ""
