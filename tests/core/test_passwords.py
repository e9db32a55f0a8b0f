"""Password rules as OWASP ASVS 4.0 level 2 asks: at least 12 characters, long passphrases and any
script welcome, no rule on kinds of characters, the commonest choices and the user's own name refused."""
from core.auth.passwords import password_problems


def messages(password: str, **who) -> list[str]:
    return [str(problem) for problem in password_problems(password, **who)]


def test_eleven_characters_are_too_few_and_twelve_are_enough():
    assert messages("riverbank71") == ["Use at least 12 characters."]
    assert messages("riverbank712") == []


def test_no_rule_on_kinds_of_characters_a_plain_passphrase_is_fine():
    assert messages("mekong river boats") == []
    assert messages("ទន្លេមេគង្គហូរកាត់ភ្នំពេញ") == []          # Khmer script, no digits or symbols


def test_common_choices_and_the_users_own_name_are_refused():
    assert "This password is too easy to guess." in messages("password1234")
    assert "Do not use your name or e-mail address in your password." in messages(
        "sokdara-is-my-name", email="sokdara@example.org")


def test_a_long_passphrase_is_accepted():
    assert messages("the quick brown fox jumps over the lazy dog near the Tonle Sap lake " * 2) == []
