"""Input rules for the credentials an admin types in.

IDs are trimmed (a trailing space in the Company ID is a classic cause of refused sign-ins), bounded,
printable and visible: a character that shows nothing (zero-width, a Hangul or braille filler) makes an ID
that reads like another, so it is refused rather than guessed at. The password is taken exactly as typed:
never trimmed or altered, 1 to 256 characters of anything XML can carry (everything but control characters
other than tab and line breaks, and lone surrogates).

`auth_method` picks the sign-in method: "password" (the default, so existing clients are unchanged) needs
the password; "client_credentials" (the REST API with our OAuth 2.0 client application) refuses one, so a
password can never be stored for a connection that does not use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..intacct import (
    USERNAME_SEPARATORS,
    AuthMethod,
    ClientCredentials,
    ConnectionCredentials,
    LoginCredentials,
    Secret,
    contains_invisible,
)
from .errors import FieldProblem, InvalidInput

ID_MAX_LENGTH = 100
PASSWORD_MAX_LENGTH = 256
KNOWN_FIELDS = {
    "auth_method",
    "company_id",
    "entity_id",
    "user_id",
    "user_password",
    "confirm_company_change",
    "confirm_sign_in_reset",
}


@dataclass(frozen=True)
class CredentialsInput:
    company_id: str
    entity_id: str | None
    user_id: str
    password: Secret | None  # None: the client credentials method (no customer password at all)
    confirm_company_change: bool = False
    confirm_sign_in_reset: bool = False  # the admin says they reset Intacct's failed sign-in count

    @property
    def auth_method(self) -> AuthMethod:
        return AuthMethod.PASSWORD if self.password is not None else AuthMethod.CLIENT_CREDENTIALS

    def credentials(self) -> ConnectionCredentials:
        if self.password is None:
            return ClientCredentials(self.company_id, self.user_id, self.entity_id)
        return LoginCredentials(self.company_id, self.user_id, self.password, self.entity_id)


def _xml_char(char: str) -> bool:
    """Whether XML 1.0 can carry the character (tab, newline and carriage return are the only controls)."""
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _identifier(
    body: Mapping[str, Any], name: str, problems: list[FieldProblem], *, required: bool
) -> str | None:
    value = body.get(name)
    if value is None or (not required and value == ""):
        if required:
            problems.append(FieldProblem(name, "is required"))
        return None
    if not isinstance(value, str):
        problems.append(FieldProblem(name, "must be a string"))
        return None
    trimmed = value.strip()
    if not trimmed:
        if required:
            problems.append(FieldProblem(name, "must not be blank"))
        return None
    if len(trimmed) > ID_MAX_LENGTH:
        problems.append(FieldProblem(name, f"must be at most {ID_MAX_LENGTH} characters"))
    elif contains_invisible(trimmed):  # before printable: a Hangul filler is a letter to Python
        problems.append(
            FieldProblem(name, "must not contain invisible characters (zero-width, filler or blank ones)")
        )
    elif not trimmed.isprintable():
        problems.append(FieldProblem(name, "must contain printable characters only"))
    return trimmed


def parse_credentials(body: Mapping[str, Any]) -> CredentialsInput:
    """Validates the edit-credentials body; problems name the field, never repeat the password."""
    problems = _unknown_fields(body, KNOWN_FIELDS)
    company_id = _identifier(body, "company_id", problems, required=True)
    entity_id = _identifier(body, "entity_id", problems, required=False)
    user_id = _identifier(body, "user_id", problems, required=True)
    method = _auth_method(body, problems)

    password = body.get("user_password")
    if method is AuthMethod.CLIENT_CREDENTIALS:
        if password is not None:
            # Refused, not ignored: a password must never be sent (or kept) where it is not used.
            problems.append(
                FieldProblem("user_password", "must not be sent with auth_method client_credentials")
            )
    elif password is None:
        problems.append(FieldProblem("user_password", "is required"))
    elif not isinstance(password, str):
        problems.append(FieldProblem("user_password", "must be a string"))
    elif not 1 <= len(password) <= PASSWORD_MAX_LENGTH:
        problems.append(FieldProblem("user_password", f"must be 1 to {PASSWORD_MAX_LENGTH} characters"))
    elif not all(_xml_char(char) for char in password):
        # The XML gateway cannot carry control characters or lone surrogates: Intacct could never get them.
        problems.append(FieldProblem("user_password", "contains a control character Intacct cannot receive"))

    if method is AuthMethod.CLIENT_CREDENTIALS:
        for name, value in (("company_id", company_id), ("entity_id", entity_id), ("user_id", user_id)):
            if value and any(separator in value for separator in USERNAME_SEPARATORS):
                problems.append(FieldProblem(name, "must not contain '@' or '|' with client_credentials"))
    confirm = confirmation(body, "confirm_company_change", problems)
    confirm_reset = confirmation(body, "confirm_sign_in_reset", problems)

    if problems:
        raise InvalidInput(problems)
    assert company_id is not None and user_id is not None
    secret = Secret(password) if method is AuthMethod.PASSWORD and isinstance(password, str) else None
    return CredentialsInput(company_id, entity_id, user_id, secret, confirm, confirm_reset)


def _auth_method(body: Mapping[str, Any], problems: list[FieldProblem]) -> AuthMethod | None:
    value = body.get("auth_method", AuthMethod.PASSWORD.value)
    known = {method.value: method for method in AuthMethod}
    if isinstance(value, str) and value in known:
        return known[value]
    problems.append(FieldProblem("auth_method", f"must be {' or '.join(repr(v) for v in known)}"))
    return None


def confirmation(body: Mapping[str, Any], name: str, problems: list[FieldProblem]) -> bool:
    """An optional true/false field (only JSON booleans: "yes" or 1 is refused, not guessed)."""
    value = body.get(name, False)
    if not isinstance(value, bool):
        problems.append(FieldProblem(name, "must be true or false"))
        return False
    return value


def parse_verify_options(body: Mapping[str, Any]) -> bool:
    """The optional verify body; its one field is the admin's confirmation of a sign-in reset."""
    problems = _unknown_fields(body, {"confirm_sign_in_reset"})
    confirm = confirmation(body, "confirm_sign_in_reset", problems)
    if problems:
        raise InvalidInput(problems)
    return confirm


def _unknown_fields(body: Mapping[str, Any], known: set[str]) -> list[FieldProblem]:
    return [FieldProblem(name, "is not a known field") for name in sorted(set(body) - known)]
