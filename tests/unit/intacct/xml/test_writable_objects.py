"""The objects a deployment lets exports write: only those listed, compared without case as Intacct does,
and never users, roles or their rights, listed or not."""

from __future__ import annotations

import pytest

from connection_service.intacct.xml.writable_objects import (
    EXPENSE_PLATFORM,
    EXPENSE_PLATFORM_OBJECTS,
    PROTECTED_OBJECTS,
    WritableObjects,
)


def test_the_default_is_what_an_expense_platform_posts() -> None:
    assert EXPENSE_PLATFORM_OBJECTS == ("APBILL", "GLBATCH", "CCTRANSACTION", "SUPDOC", "SUPDOCFOLDER")
    assert EXPENSE_PLATFORM.names == frozenset(EXPENSE_PLATFORM_OBJECTS)


@pytest.mark.parametrize(
    "written", ["APBILL", "apbill", "GlBatch", "CCTRANSACTION", "SUPDOC", "supdocfolder"]
)
def test_a_listed_object_may_be_written_whatever_its_case(written: str) -> None:
    assert EXPENSE_PLATFORM.refusal(written) is None


@pytest.mark.parametrize(
    "written", ["LOCATIONENTITY", "GLACCOUNT", "VENDOR", "COMPANYPREF", "locationentity"]
)
def test_an_object_not_listed_is_refused_by_name(written: str) -> None:
    refusal = EXPENSE_PLATFORM.refusal(written)
    assert refusal is not None and written in refusal and "ExportWritableObjects" in refusal


@pytest.mark.parametrize("written", ["", "APBILL ", "AP BILL", "APB\u0130LL", "\uff21PBILL"])
def test_only_the_exact_name_in_ascii_matches(written: str) -> None:
    """A name Intacct would not read as the listed object is not that object (U+0130 upper-cases to I)."""
    assert EXPENSE_PLATFORM.refusal(written) is not None


@pytest.mark.parametrize("written", [*sorted(PROTECTED_OBJECTS), "userinfo", "Roles"])
def test_users_roles_and_rights_stay_refused_even_when_listed(written: str) -> None:
    listing_them = WritableObjects.listed(",".join(sorted(PROTECTED_OBJECTS)) + ",APBILL")
    refusal = listing_them.refusal(written)
    assert refusal is not None and "users and their rights" in refusal


def test_a_list_is_read_comma_separated_and_without_case() -> None:
    listed = WritableObjects.listed(" apbill , Vendor,GLACCOUNT ")
    assert listed.names == frozenset({"APBILL", "VENDOR", "GLACCOUNT"})
    assert listed.refusal("vendor") is None and listed.refusal("GLBATCH") is not None


@pytest.mark.parametrize(
    "text", ["", ",", "APBILL,,GLBATCH", "AP BILL", "APBILL;VENDOR", "1APBILL", "A\u00c9"]
)
def test_anything_but_object_names_separated_by_commas_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="object names"):
        WritableObjects.listed(text)


def test_a_long_name_is_shortened_in_the_refusal() -> None:
    refusal = EXPENSE_PLATFORM.refusal("X" * 10_000)
    assert refusal is not None and len(refusal) < 300
