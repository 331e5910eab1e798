"""Whose sign-ins the guard counts: two spellings Intacct may take for one user are one identity."""

from __future__ import annotations

from connection_service.sign_in_guard import Identity


def test_spellings_of_one_user_are_one_identity_with_one_key() -> None:
    one = Identity.of("DEMO-CO", "WS_Expenses")
    for company, user in (
        ("demo-co", "ws_expenses"),
        (" DEMO-CO ", "ws_expenses\t"),
        ("\uff24\uff25\uff2d\uff2f-CO", "ws_expenses"),  # full-width letters, folded by NFKC,
    ):
        same = Identity.of(company, user)
        assert same == one and same.key == one.key


def test_another_user_or_company_is_another_identity() -> None:
    one = Identity.of("DEMO-CO", "ws_expenses")
    assert Identity.of("DEMO-CO", "ws_expenses2").key != one.key
    assert Identity.of("DEMO-CO2", "ws_expenses").key != one.key
    # The separator keeps "A"+"BC" and "AB"+"C" apart.
    assert Identity.of("A", "BC").key != Identity.of("AB", "C").key


def test_the_key_is_fixed_length_and_names_no_one() -> None:
    key = Identity.of("DEMO-CO", "ws_expenses").key
    assert len(key) == 64 and "demo" not in key
