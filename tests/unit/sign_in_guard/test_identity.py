"""Whose sign-ins the guard counts: two spellings Intacct may take for one user are one identity."""

from __future__ import annotations

from connection_service.sign_in_guard import Identity


def test_spellings_of_one_user_are_one_identity_with_one_key() -> None:
    one = Identity.of("DEMO-CO", "WS_Expenses")
    for company, user in (
        ("demo-co", "ws_expenses"),
        (" DEMO-CO ", "ws_expenses\t"),
        ("\uff24\uff25\uff2d\uff2f-CO", "ws_expenses"),  # fullwidth letters
        ("D\u00c9MO-CO", "ws_exp\u00e9nses"),  # accents
        ("DEMO-CO", "WS_EXPEN\u0405E\u0455"),  # Cyrillic capital and small dze
        ("DEMO-CO", "\u1d21s_expenses"),  # small capital w
        ("DEMO\u200b-CO", "ws_expenses\u3164"),  # invisible (refused at the edge, folded all the same)
    ):
        same = Identity.of(company, user)
        assert same == one and same.key == one.key


def test_every_spelling_of_i_is_one_identity() -> None:
    """Java's case-insensitive comparison takes the dotted capital and the dotless small i for i."""
    one = Identity.of("DEMO-CO", "admin")
    for user in ("ADMIN", "ADM\u0130N", "adm\u0131n", "ADM\u0131N"):
        assert Identity.of("DEMO-CO", user).key == one.key


def test_sharp_s_is_one_identity_with_ss() -> None:
    assert Identity.of("STRASSE", "u").key == Identity.of("stra\u00dfe", "u").key


def test_another_user_or_company_is_another_identity() -> None:
    one = Identity.of("DEMO-CO", "ws_expenses")
    assert Identity.of("DEMO-CO", "ws_expenses2").key != one.key
    assert Identity.of("DEMO-CO2", "ws_expenses").key != one.key
    # ASCII is never read as something else: l, I and 1 are three users.
    assert len({Identity.of("DEMO-CO", user).key for user in ("l", "I", "1")}) == 3
    # The separator keeps "A"+"BC" and "AB"+"C" apart.
    assert Identity.of("A", "BC").key != Identity.of("AB", "C").key


def test_the_key_is_fixed_length_and_names_no_one() -> None:
    key = Identity.of("DEMO-CO", "ws_expenses").key
    assert len(key) == 64 and "demo" not in key
