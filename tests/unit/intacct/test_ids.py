"""What makes two Intacct IDs one: every spelling Intacct might take for an ID folds to its plain ASCII form,
distinct ASCII IDs stay distinct, and invisible characters are found wherever they hide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connection_service.intacct.ids import contains_invisible, fold_id

SHARED = Path(__file__).resolve().parents[3] / "shared"

# (spelling, the ASCII ID it must meet)
SPELLINGS = [
    ("demo-co", "DEMO-CO"),
    (" DEMO-CO\t", "DEMO-CO"),
    ("\uff24\uff25\uff2d\uff2f-CO", "DEMO-CO"),  # fullwidth letters
    ("DEMO-C\u2134", "DEMO-CO"),  # script small o, a compatibility form
    ("ADM\u0130N", "ADMIN"),  # capital I with dot above
    ("adm\u0131n", "ADMIN"),  # dotless i
    ("CAF\u00c9", "CAFE"),  # É precomposed
    ("cafe\u0301", "CAFE"),  # e and a combining acute accent
    ("WS_EXPEN\u0405E\u0455", "ws_expenses"),  # Cyrillic capital and small dze
    ("\u1d21s_expenses", "ws_expenses"),  # small capital w
    ("STRA\u00dfE", "STRASSE"),  # sharp s
    ("STRA\u1e9eE", "strasse"),  # capital sharp s
    ("\u0412\u041e\u0417\u0422\u041e\u041a", "BO3TOK"),  # Cyrillic capitals that look like B, O, 3, T, O, K
    ("DEM\u039f-CO", "demo-co"),  # Greek capital omicron
    ("\u03a3ALES", "OALES"),  # Greek capital sigma: its small form looks like o
    ("DEMO\u200b-CO", "DEMO-CO"),  # zero-width space (refused at the edge, folded all the same)
    ("DEMO\u3164-CO", "DEMO-CO"),  # Hangul filler
    ("DEMO-CO\ufe0f", "DEMO-CO"),  # variation selector
    ("DEMO-CO \u00b4", "DEMO-CO"),  # a spacing accent decomposes into a space and a mark
]


@pytest.mark.parametrize(("spelling", "plain"), SPELLINGS)
def test_each_spelling_folds_like_its_ascii_form(spelling: str, plain: str) -> None:
    assert fold_id(spelling) == fold_id(plain)


def test_ascii_characters_are_never_remapped_so_look_alike_ascii_ids_stay_distinct() -> None:
    folded = [fold_id(value) for value in ("l", "I", "1", "|", "O", "0", "rn", "m", "vv", "w", "S", "5")]
    assert len(set(folded)) == len(folded)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_an_ascii_id_only_loses_its_case_and_surrounding_space(value: str) -> None:
    assert fold_id(value) == value.strip().lower()


@given(st.text())
def test_folding_twice_changes_nothing(value: str) -> None:
    assert fold_id(fold_id(value)) == fold_id(value)


def test_hangul_syllables_are_recomposed_not_left_in_pieces() -> None:
    assert fold_id("\ud55c\uae00") == "\ud55c\uae00"


@pytest.mark.parametrize(
    "char",
    [
        "\u00ad",  # soft hyphen
        "\u034f",  # combining grapheme joiner
        "\u061c",  # Arabic letter mark
        "\u115f",  # Hangul choseong filler
        "\u1160",  # Hangul jungseong filler
        "\u17b4",
        "\u17b5",
        "\u180b",
        "\u180f",
        "\u200b",  # zero-width space
        "\u200f",
        "\u202a",
        "\u202e",  # right-to-left override
        "\u2060",  # word joiner
        "\u206f",
        "\u2800",  # braille blank
        "\u3164",  # Hangul filler
        "\ufe00",
        "\ufe0f",  # variation selectors
        "\ufeff",  # zero-width no-break space
        "\uffa0",  # halfwidth Hangul filler
        "\ufff0",
        "\ufff8",
        "\U0001bca0",
        "\U0001bca3",
        "\U0001d173",
        "\U0001d17a",
        "\U000e0000",
        "\U000e0fff",
    ],
)
def test_invisible_characters_are_found_anywhere_in_an_id(char: str) -> None:
    assert contains_invisible(char)
    assert contains_invisible(f"DEMO{char}-CO")


@pytest.mark.parametrize(
    "value", ["DEMO-CO", "ws_expenses@acme", "CAF\u00c9", "STRA\u00dfE", "\ud55c\uae00", " "]
)
def test_visible_ids_hold_no_invisible_character(value: str) -> None:
    assert not contains_invisible(value)


def test_folding_an_ascii_id_does_not_load_the_look_alike_data() -> None:
    """The look-alike table is 900 KB of JSON: a cold start with ASCII IDs must never read it."""
    probe = (
        "import json, sys; from connection_service.intacct.ids import fold_id; "
        "fold_id(' DEMO-CO '); fold_id('ws_expenses'); before = 'confusable_homoglyphs' in sys.modules; "
        "fold_id('\\u0455'); print(json.dumps([before, 'confusable_homoglyphs' in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(SHARED)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == [False, True]  # loaded only once a non-ASCII character needed it
