"""Writes with Intacct's rights and answers: visible to later reads, duplicates refused in the BL01001973
wrapper, rolled back with their transaction, never repeated under uniqueid=true, and committed even when
the answer is lost (what retry-safe posting must cope with)."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.simulator.helpers import GatewayClient, element, query

pytestmark = pytest.mark.integration


def _class(class_id: str) -> etree._Element:
    return element(
        "create", None, element("CLASS", None, element("CLASSID", class_id), element("NAME", "Unit"))
    )


def _class_ids(gw: GatewayClient) -> list[str]:
    data = gw.call(query("CLASS", ["CLASSID"])).result().find("data")
    assert data is not None
    return [record.findtext("CLASSID") or "" for record in data]


@pytest.fixture
def writer(gw: GatewayClient) -> GatewayClient:
    granted = gw.control(
        "POST",
        "/_sim/companies/DEMO-CO/users/ws_expenses/grant",
        {"application": "Company", "activity": "Class", "permission": "Add"},
    )
    assert granted.ok, granted.text
    return gw


def test_a_create_answers_its_record_number_and_is_read_back(writer: GatewayClient) -> None:
    reply = writer.call(_class("UT01"))
    result = reply.result()
    assert result.findtext("status") == "success", reply.result_errors()
    data = result.find("data")
    assert data is not None and data.get("listtype") == "objects" and data.get("count") == "1"
    assert data[0].findtext("CLASSID") == "UT01" and data[0].findtext("RECORDNO")
    assert "UT01" in _class_ids(writer)


def test_a_duplicate_is_refused_inside_the_business_layer_wrapper(writer: GatewayClient) -> None:
    writer.call(_class("UT02"))
    errors = writer.call(_class("UT02")).result_errors()
    assert [e["errorno"] for e in errors] == ["BL01001973", "BL34000061"]
    assert "already exists" in (errors[1]["description"] or "")
    assert _class_ids(writer).count("UT02") == 1


def test_a_write_without_the_right_is_denied_like_a_read(gw: GatewayClient) -> None:
    vendor = element(
        "create", None, element("VENDOR", None, element("VENDORID", "V900"), element("NAME", "X"))
    )
    [error] = gw.call(vendor).result_errors()
    assert error["errorno"] == "PL04000005" and "CREATE" in (error["description2"] or "")


def test_a_failed_transaction_takes_every_write_back(writer: GatewayClient) -> None:
    writer.call(_class("UT03"))
    reply = writer.call(_class("UT04"), _class("UT03"), transaction=True)
    statuses = [result.findtext("status") for result in reply.results]
    assert statuses == ["aborted", "failure"]
    assert "UT04" not in _class_ids(writer)


def test_uniqueid_true_never_writes_twice(writer: GatewayClient) -> None:
    first = writer.call(_class("UT05"), uniqueid="true")
    assert first.result().findtext("status") == "success"
    again = writer.call(_class("UT05"), uniqueid="true")  # the same function controlid, sent again
    assert again.result().find("status") is None  # Intacct's answer has no status (SDK issue #70)
    assert _class_ids(writer).count("UT05") == 1


def test_a_write_commits_even_when_its_answer_is_lost(writer: GatewayClient) -> None:
    # The first gateway request of the test (the simulator is reset before each) is processed, then lost.
    writer.control("POST", "/_sim/companies/DEMO-CO/faults", {"kind": "committed_then_http_500", "nth": [1]})
    lost = writer.call(_class("UT06"))
    assert lost.status == 500
    writer.control("DELETE", "/_sim/companies/DEMO-CO/faults")
    assert "UT06" in _class_ids(writer)


def _bill(
    vendor: str, when: str = "03/15/2026", account: str = "6000", project: str | None = None
) -> etree._Element:
    line = element("APBILLITEM", None, element("ACCOUNTNO", account), element("TRX_AMOUNT", "12.50"))
    if project:
        line.append(element("PROJECTID", project))
    return element(
        "create",
        None,
        element(
            "APBILL",
            None,
            element("VENDORID", vendor),
            element("WHENCREATED", when),
            element("APBILLITEMS", None, line),
        ),
    )


def _entry(*lines: tuple[str, str, str], when: str = "03/31/2026") -> etree._Element:
    entries = element(
        "ENTRIES",
        None,
        *[
            element(
                "GLENTRY",
                None,
                element("ACCOUNTNO", account),
                element("TR_TYPE", kind),
                element("TRX_AMOUNT", amount),
            )
            for account, kind, amount in lines
        ],
    )
    return element(
        "create",
        None,
        element("GLBATCH", None, element("JOURNAL", "GJ"), element("BATCH_DATE", when), entries),
    )


def _causes(reply: object) -> list[str]:
    errors = reply.result_errors()  # type: ignore[attr-defined]
    assert errors[0]["errorno"] == "BL01001973", errors  # Intacct's business-layer wrapper
    return [f"{e['description']} {e['description2']}".strip() for e in errors[1:]]


def test_a_bill_posts_and_is_read_back(gw: GatewayClient) -> None:
    reply = gw.call(_bill("V200"))
    assert reply.result().findtext("status") == "success", reply.result_errors()
    # The 16 permissions give Bills Add, not View: reading them back takes one more right.
    gw.control(
        "POST",
        "/_sim/companies/DEMO-CO/users/ws_expenses/grant",
        {"application": "Accounts Payable", "activity": "Bills", "permission": "View"},
    )
    data = (
        gw.call(
            query(
                "APBILL",
                ["VENDORID"],
                filter_=element(
                    "equalto", None, element("field", "WHENCREATED"), element("value", "03/15/2026")
                ),
            )
        )
        .result()
        .find("data")
    )
    assert data is not None and [r.findtext("VENDORID") for r in data] == ["V200"]


@pytest.mark.parametrize(
    ("bill", "cause"),
    [
        (_bill("V999"), "Vendor V999 does not exist."),
        (_bill("V300"), "Vendor V300 is inactive."),
        (_bill("V200", account="9999"), "GL account 9999 does not exist."),
        (_bill("V200", project="P-9999"), "Project P-9999 does not exist."),
        (_bill("V200", when="06/30/2023"), "The period is closed Date must be on or after 12/31/2023"),
    ],
)
def test_what_goes_wrong_posting_a_bill(gw: GatewayClient, bill: etree._Element, cause: str) -> None:
    assert _causes(gw.call(bill)) == [cause]


def test_a_journal_entry_must_balance(gw: GatewayClient) -> None:
    balanced = gw.call(_entry(("6000", "1", "100.00"), ("1000", "-1", "100.00")))
    assert balanced.result().findtext("status") == "success", balanced.result_errors()
    unbalanced = gw.call(_entry(("6000", "1", "100.00"), ("1000", "-1", "90.00")))
    assert _causes(unbalanced) == ["The journal entry is not balanced: debits must equal credits."]


def _legacy_date(tag: str, year: str, month: str, day: str) -> etree._Element:
    return element(tag, None, element("year", year), element("month", month), element("day", day))


def _legacy_bill(vendor: str, year: str = "2026") -> etree._Element:
    return element(
        "create_bill",
        None,
        element("vendorid", vendor),
        _legacy_date("datecreated", year, "3", "15"),
        element("termname", "Net 30"),
        element(
            "billitems",
            None,
            element("lineitem", None, element("glaccountno", "6000"), element("amount", "42.00")),
        ),
    )


def test_the_legacy_create_bill_answers_a_key(gw: GatewayClient) -> None:
    result = gw.call(_legacy_bill("V200")).result()
    assert result.findtext("status") == "success" and (result.findtext("key") or "").isdigit()


def test_the_legacy_create_bill_is_validated_like_a_bill(gw: GatewayClient) -> None:
    assert _causes(gw.call(_legacy_bill("V300"))) == ["Vendor V300 is inactive."]
    closed = _causes(gw.call(_legacy_bill("V200", year="2023")))
    assert closed == ["The period is closed Date must be on or after 12/31/2023"]


def test_record_cctransaction_posts_against_a_known_card(gw: GatewayClient) -> None:
    def transaction(card: str) -> etree._Element:
        return element(
            "record_cctransaction",
            None,
            element("chargecardid", card),
            _legacy_date("paymentdate", "2026", "3", "2"),
            element("payee", "Taxi"),
            element(
                "ccpayitems",
                None,
                element("ccpayitem", None, element("glaccountno", "6000"), element("paymentamount", "54.20")),
            ),
        )

    posted = gw.call(transaction("AMEX-CORP")).result()
    assert posted.findtext("status") == "success" and posted.findtext("key")
    assert _causes(gw.call(transaction("DINERS"))) == ["Credit card DINERS does not exist."]


def test_a_legacy_write_missing_a_required_part_is_a_schema_error(gw: GatewayClient) -> None:
    incomplete = element(
        "create_bill", None, element("vendorid", "V200"), _legacy_date("datecreated", "2026", "3", "1")
    )
    reply = gw.call(incomplete)
    assert reply.control_status == "failure"
    assert "Expected is ( billitems )" in (reply.control_errors[0]["description2"] or "")


def test_a_create_of_several_records_writes_all_or_none(writer: GatewayClient) -> None:
    writer.call(_class("UT07"))
    both = element(
        "create",
        None,
        element("CLASS", None, element("CLASSID", "UT08"), element("NAME", "New")),
        element("CLASS", None, element("CLASSID", "UT07"), element("NAME", "Duplicate")),
    )
    assert writer.call(both).result_errors()[1]["errorno"] == "BL34000061"
    assert "UT08" not in _class_ids(writer)


def test_attachment_folders_and_attachments_with_the_rights_the_permissions_give(gw: GatewayClient) -> None:
    folder = element("create_supdocfolder", None, element("supdocfoldername", "Expense receipts 2026"))
    created = gw.call(folder).result()
    assert created.findtext("status") == "success" and created.findtext("key") == "Expense receipts 2026"
    assert gw.call(folder).result_errors()[1]["errorno"] == "BL34000061"
    deleted = gw.call(element("delete_supdoc", None, key="EXP-0001")).result()
    assert deleted.findtext("status") == "success" and deleted.find("data") is None
    [error] = gw.call(element("delete_supdoc", None, key="EXP-0001")).result_errors()
    assert "Cannot find supdoc" in (error["description"] or "")


def _legacy_entry(debit: str, credit: str, year: str = "2026") -> etree._Element:
    def entry(kind: str, amount: str, account: str) -> etree._Element:
        return element(
            "glentry",
            None,
            element("trtype", kind),
            element("amount", amount),
            element("glaccountno", account),
        )

    return element(
        "create_gltransaction",
        None,
        element("journalid", "GJ"),
        _legacy_date("datecreated", year, "3", "31"),
        element("description", "Expense accrual"),
        element("gltransactionentries", None, entry("debit", debit, "6000"), entry("credit", credit, "2000")),
    )


def test_the_legacy_journal_entry_posts_balanced_and_is_refused_otherwise(gw: GatewayClient) -> None:
    posted = gw.call(_legacy_entry("250.00", "250.00")).result()
    assert posted.findtext("status") == "success" and posted.findtext("key")
    assert _causes(gw.call(_legacy_entry("250.00", "200.00"))) == [
        "The journal entry is not balanced: debits must equal credits."
    ]
    assert _causes(gw.call(_legacy_entry("1.00", "1.00", year="2023"))) == [
        "The period is closed Date must be on or after 12/31/2023"
    ]


def test_an_attachment_needs_the_add_right_and_an_existing_folder(gw: GatewayClient) -> None:
    def supdoc(supdoc_id: str, folder: str) -> etree._Element:
        attachment = element(
            "attachment",
            None,
            element("attachmentname", "receipt"),
            element("attachmenttype", "pdf"),
            element("attachmentdata", "JVBERi0xLjQK"),
        )
        return element(
            "create_supdoc",
            None,
            element("supdocid", supdoc_id),
            element("supdocname", "Taxi receipt"),
            element("supdocfoldername", folder),
            element("attachments", None, attachment),
        )

    [denied] = gw.call(supdoc("EXP-0100", "ExpenseIn Receipts")).result_errors()
    assert denied["errorno"] == "PL04000005"  # the 16 permissions give Attachments View and Delete only
    gw.control(
        "POST",
        "/_sim/companies/DEMO-CO/users/ws_expenses/grant",
        {"application": "Company", "activity": "Attachments", "permission": "Add"},
    )
    created = gw.call(supdoc("EXP-0100", "ExpenseIn Receipts")).result()
    assert created.findtext("status") == "success" and created.findtext("key")
    assert _causes(gw.call(supdoc("EXP-0101", "No such folder"))) == ["Folder No such folder does not exist."]
    assert _causes(gw.call(supdoc("EXP-0100", "ExpenseIn Receipts"))) == [
        "Another Supdoc with the given value(s) EXP-0100 already exists"
    ]
