"""When two Intacct IDs (Company, User, Entity) are one, and which characters an ID may never hold.

Intacct publishes no rule for comparing IDs. Wherever we must count one company or one user once (the
sign-in guard's budget, the company's requests in flight, a change of company), the fold merges every
spelling Intacct might take for the same ID, as a Java case-insensitive comparison or an accent-insensitive
collation would, and more: a false match only makes two IDs share a budget, a missed one doubles it.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt) and the braille blank: characters that
# show nothing, so an ID holding one looks exactly like an ID without it.
_INVISIBLE = re.compile(
    "["
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
    "]"
)
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)


def contains_invisible(value: str) -> bool:
    """Whether the ID holds a character that shows nothing (zero-width, filler, blank)."""
    return _INVISIBLE.search(value) is not None


def fold_id(value: str) -> str:
    """The one form of an ID that every spelling of it shares: compatibility forms taken apart (fullwidth
    letters, ligatures), accents and invisible characters dropped, look-alikes of ASCII letters and digits
    read as them (Cyrillic dze as s, small capital W as w), case ignored (sharp s is ss; the dotted capital
    I and the dotless small i are i), then recomposed and trimmed. ASCII characters are never read as
    others: l, I and 1 stay three IDs."""
    text = _bare(unicodedata.normalize("NFKD", value))
    if not text.isascii():
        # Each case in turn: the Cyrillic capital ve looks like B, its small form like nothing ASCII; the
        # Greek capital sigma looks like nothing ASCII, its small form like o.
        text = _as_ascii_lookalikes(_caseless(_as_ascii_lookalikes(text)))
    # Trimmed last: a spacing accent (U+00B4) decomposes into a space and a combining mark.
    return unicodedata.normalize("NFC", _caseless(text)).strip()


def _bare(text: str) -> str:
    """Without combining marks (é is e) or invisible characters."""
    return "".join(
        char for char in _INVISIBLE.sub("", text) if not unicodedata.category(char).startswith("M")
    )


def _caseless(text: str) -> str:
    # Upper case first, as Java's equalsIgnoreCase compares: the dotless i (U+0131) meets i there.
    return text.upper().casefold()


def _as_ascii_lookalikes(text: str) -> str:
    lookalikes = _ascii_lookalikes()
    return "".join(lookalikes.get(char, char) for char in text)


@functools.cache
def _ascii_lookalikes() -> dict[str, str]:
    """Each non-ASCII character that Unicode's confusables data says looks like one ASCII letter or digit."""
    # 900 KB of JSON, read on first use: only IDs still holding a non-ASCII character get here.
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[str, str] = {}
    for char, homoglyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_forms = sorted({str(glyph["c"]) for glyph in homoglyphs} & _ASCII_ALNUM)
        if ascii_forms:
            table[char] = ascii_forms[0]  # the same one whatever order the data lists them in
    return table
