"""The XML gateway's answers mapped to failure categories, decided by (HTTP status, level, errorno, text).

`XL03000006` alone means many unrelated things (wrong sender, unauthorized sender, bad sign-in, bad entity,
bad transport policy), so the rules below always look at the text and the level as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import Category, ErrorDetail, Level


def _contains(errors: Sequence[ErrorDetail], *needles: str) -> bool:
    haystack = " ".join(error.searchable for error in errors).casefold()
    return any(needle.casefold() in haystack for needle in needles)


def _has_errorno(errors: Sequence[ErrorDetail], *numbers: str) -> bool:
    wanted = {number.casefold() for number in numbers}
    return any(error.errorno.casefold() in wanted for error in errors)


_SIGN_IN_ERRORNOS = ("XMLGW_JPP0002", "UJPP0002")
_SIGN_IN_TEXT = "Sign-in information is incorrect"
_TEMPORARY_TEXTS = (
    "Temporarily Off-line",
    "Please Try Again Later",
    "There was an error processing the request",
)


def classify(
    errors: Iterable[ErrorDetail],
    *,
    level: Level,
    http_status: int | None = None,
    session_auth: bool = False,
    function: str | None = None,
) -> Category:
    """Maps one failure to a category. `session_auth` says the request was signed by a sessionid."""
    errs = tuple(errors)
    if level is Level.TRANSPORT:
        return Category.SERVICE_UNAVAILABLE
    if http_status == 524:
        return Category.ORIGIN_TIMEOUT
    if http_status == 429 or _has_errorno(errs, "GW-0010") or _contains(errs, "API rate limit exceeded"):
        return Category.RATE_LIMITED
    if _contains(errs, *_TEMPORARY_TEXTS) or _has_errorno(errs, "DL02000001"):
        return Category.SERVICE_UNAVAILABLE
    if level is Level.HTTP:
        if http_status is not None and http_status >= 500:
            return Category.SERVICE_UNAVAILABLE
        if http_status == 401 and not session_auth:
            return Category.SIGN_IN_REJECTED
        return Category.UNKNOWN
    if _contains(errs, "Incorrect Intacct XML Partner ID or password"):
        return Category.SENDER_CREDENTIALS_INVALID
    if _contains(
        errs, "Invalid Web Services Authorization", "is not authorized to make Web Services requests"
    ):
        return Category.SENDER_NOT_AUTHORIZED
    if _contains(errs, "not authorized for XML transactions", "subscribe to the XML Gateway"):
        return Category.WEB_SERVICES_DISABLED
    if _has_errorno(errs, "PL04000055") or _contains(errs, "demo company and has expired"):
        return Category.COMPANY_EXPIRED
    if _has_errorno(errs, "XL03000003") or _contains(errs, "is not a valid transport policy"):
        return Category.REQUEST_INVALID
    if level is Level.RESULT:
        return _classify_result(errs, function)
    # Control or authentication level from here on.
    if _has_errorno(errs, *_SIGN_IN_ERRORNOS) or _contains(errs, _SIGN_IN_TEXT):
        return Category.SESSION_INVALID if session_auth else Category.SIGN_IN_REJECTED
    if session_auth and level is Level.AUTHENTICATION:
        # The text for an expired session is not public: any refusal of a sessionid means "sign in again".
        return Category.SESSION_INVALID
    if http_status == 401 or (http_status == 400 and _has_errorno(errs, "invalidRequest", "GW-0011")):
        # 400 invalidRequest is what a wrong Company ID has been seen to produce; GW-0011 is its sibling.
        return Category.SESSION_INVALID if session_auth else Category.SIGN_IN_REJECTED
    if level is Level.AUTHENTICATION:
        # A login refused for a reason we do not recognise (locked, inactive or expired users have no public
        # texts; a wrong login/locationid reads as the generic XL03000006): treated as a refused sign-in, so
        # it is never retried and the health check never signs in with these credentials again.
        return Category.SIGN_IN_REJECTED
    if http_status is not None and http_status >= 500:
        return Category.SERVICE_UNAVAILABLE
    return Category.UNKNOWN


_ROLLED_BACK = "XL03000009"


def _classify_result(errs: Sequence[ErrorDetail], function: str | None) -> Category:
    # In a transaction, the failing result carries its own cause and the rollback notice; its siblings carry
    # the notice alone. The cause decides; the notice alone means "aborted because of another function".
    causes = tuple(error for error in errs if error.errorno.casefold() != _ROLLED_BACK.casefold())
    if not causes and errs:
        return Category.TRANSACTION_ROLLED_BACK
    # PL04000005 also answers an operation on an object whose module the company does not subscribe to.
    if _contains(causes, "is not subscribed") or (
        _has_errorno(causes, "PL04000005") and _contains(causes, "cannot be performed on objects of type")
    ):
        return Category.MODULE_NOT_SUBSCRIBED
    if _contains(causes, "Object definition", "cannot be performed on objects of type"):
        return Category.OBJECT_UNAVAILABLE
    if _has_errorno(causes, "PL04000005") or _contains(causes, "do not have permission"):
        return Category.PERMISSION_DENIED
    if _has_errorno(causes, "readMore failed") or _contains(causes, "invalid or expired resultId"):
        return Category.CURSOR_EXPIRED
    if _has_errorno(causes, "BL34000061", "PL05000104") or _contains(causes, "already exists"):
        return Category.DUPLICATE
    if any(error.errorno.upper().startswith("BL") for error in causes) or _contains(
        causes, "period is closed", "Date must be on or after"
    ):
        return Category.VALIDATION_FAILED  # the business layer refused it (BL01001973 wraps the cause)
    if function == "getAPISession" and _contains(causes, "location", "entity"):
        return Category.ENTITY_INVALID
    return Category.UNKNOWN
