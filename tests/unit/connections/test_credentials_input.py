"""The credentials input rules, applied at the edge before any use case runs."""

from __future__ import annotations

import pytest

from connection_service.connections.credentials_input import parse_credentials
from connection_service.connections.errors import InvalidInput


def test_input_rules_trim_ids_and_keep_the_password_exact() -> None:
    given = parse_credentials(
        {"company_id": " DEMO-CO ", "entity_id": "  ", "user_id": "\tws ", "user_password": " p w "}
    )
    assert (given.company_id, given.entity_id, given.user_id) == ("DEMO-CO", None, "ws")
    assert given.password.reveal() == " p w "


def test_input_problems_are_all_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_credentials({"company_id": 1, "user_password": "", "extra": True})
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("extra", "is not a known field"),
        ("company_id", "must be a string"),
        ("user_id", "is required"),
        ("user_password", "must be 1 to 256 characters"),
    ]


INVISIBLE = [
    "\u3164",  # Hangul filler: a letter to Python, so printable, and never trimmed
    "\u115f",  # Hangul choseong filler
    "\uffa0",  # halfwidth Hangul filler
    "\u2800",  # braille blank
    "\u00ad",  # soft hyphen
    "\u034f",  # combining grapheme joiner
    "\u17b4",  # Khmer vowel inherent aq
    "\u180b",  # Mongolian free variation selector
    "\ufe0f",  # variation selector
    "\U000e0041",  # tag letter A
    "\u200b",  # zero-width space
    "\ufeff",  # zero-width no-break space
]


@pytest.mark.parametrize("field", ["company_id", "entity_id", "user_id"])
@pytest.mark.parametrize("char", INVISIBLE)
def test_ids_holding_an_invisible_character_are_refused_without_echoing_them(field: str, char: str) -> None:
    body = {"company_id": "DEMO-CO", "entity_id": "US", "user_id": "ws", "user_password": "pw"}
    for value in (f"DEMO{char}-CO", f"{char}DEMO-CO", f"DEMO-CO{char}", char):
        with pytest.raises(InvalidInput) as caught:
            parse_credentials({**body, field: value})
        assert [(p.field, p.message) for p in caught.value.problems] == [
            (field, "must not contain invisible characters (zero-width, filler or blank ones)")
        ]
        assert "DEMO" not in caught.value.problems[0].message


def test_ids_with_accents_or_other_scripts_are_taken_as_typed() -> None:
    given = parse_credentials(
        {
            "company_id": "D\u00c9MO-CO",
            "entity_id": "\u0405-1",
            "user_id": "stra\u00dfe",
            "user_password": "p",
        }
    )
    assert (given.company_id, given.entity_id, given.user_id) == ("D\u00c9MO-CO", "\u0405-1", "stra\u00dfe")
