"""The export workers' functions: only one known function element each reaches a request, and a request of
writes asks Intacct never to run a completed write twice."""

from __future__ import annotations

import pytest
from lxml import etree

from connection_service.intacct.xml.request import build_request
from connection_service.intacct.xml.worker_functions import InvalidFunction, WorkerFunction
from tests.support.demo import LOGIN, SENDER

BILL = "<create><APBILL><VENDORID>V100</VENDORID></APBILL></create>"


def test_a_known_function_is_kept_as_written() -> None:
    function = WorkerFunction.parse(BILL, "bill-42")
    assert (function.name, function.control_id, function.writes) == ("create", "bill-42", True)
    assert etree.tostring(function.render()) == BILL.encode()
    assert not WorkerFunction.parse("<readByQuery><object>VENDOR</object></readByQuery>", "q").writes


@pytest.mark.parametrize(
    ("xml", "why"),
    [
        ("<getAPISession/>", "unknown function <getAPISession>"),
        ("<create_sotransaction/>", "unknown function"),
        ("<create>", "not well-formed"),
        ("<a/><b/>", "not well-formed"),
        ('<!DOCTYPE x [<!ENTITY e "boom">]><create>&e;</create>', "DTD"),
        ("<create>&e;</create>", "not well-formed"),
        ('<x:create xmlns:x="urn:x"/>', "namespace"),
        ("<create>\ud800</create>", "valid Unicode"),
        ('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE create+AD4-<create/>', "not well-formed"),
        ('<create><x:APBILL xmlns:x="urn:x"/></create>', "namespace"),
        ("<create><USERINFO><LOGINID>me</LOGINID></USERINFO></create>", "users and their rights"),
        ("<update><ROLES><NAME>Admin</NAME></ROLES></update>", "users and their rights"),
        # 3.0's delete names its object in a child's text, not as an element.
        ("<delete><object>USERINFO</object><keys>7</keys></delete>", "users and their rights"),
        ("<delete><object> roles </object><keys>1</keys></delete>", "users and their rights"),
        # Its text read whole, whatever splits it, and every <object> of it.
        ("<delete><object>USER<!--x-->INFO</object><keys>1</keys></delete>", "users and their rights"),
        ("<delete><object>USER<?p?>INFO</object><keys>1</keys></delete>", "users and their rights"),
        ("<delete><object>APBILL</object><object>USERINFO</object></delete>", "users and their rights"),
        ("<create><USERRIGHTS/></create>", "users and their rights"),
        ("<update><USERRESTRICTION/></update>", "users and their rights"),
        # A namespace declared without a prefixed element, or on an attribute only, is refused as well.
        ('<create xmlns:x="urn:x"><APBILL/></create>', "namespace"),
        ('<create><APBILL xmlns:x="urn:x" x:a="1"/></create>', "namespace"),
        ('<create><APBILL xmlns="urn:x"/></create>', "namespace"),
    ],
)
def test_anything_else_is_refused_with_the_reason(xml: str, why: str) -> None:
    with pytest.raises(InvalidFunction, match=why):
        WorkerFunction.parse(xml, "c1")


def test_xmls_own_attributes_need_no_declaration_and_are_kept() -> None:
    kept = WorkerFunction.parse(
        '<create><APBILL><MEMO xml:space="preserve">  two  </MEMO></APBILL></create>', "c1"
    )
    assert b'xml:space="preserve"' in etree.tostring(kept.render())


def test_a_delete_of_an_ordinary_object_is_a_write() -> None:
    function = WorkerFunction.parse("<delete><object>APBILL</object><keys>12</keys></delete>", "d1")
    assert (function.name, function.writes) == ("delete", True)


@pytest.mark.parametrize(
    ("xml", "written"),
    [
        (BILL, ("APBILL",)),
        ("<update><GLBATCH/><glbatch/></update>", ("GLBATCH", "glbatch")),
        ("<delete><object>SUPDOC</object><keys>1</keys></delete>", ("SUPDOC",)),
        # The legacy writes name no object: each writes one, always the same.
        ("<create_bill><vendorid>V1</vendorid></create_bill>", ("APBILL",)),
        ("<record_cctransaction><chargecardid>C1</chargecardid></record_cctransaction>", ("CCTRANSACTION",)),
        ("<create_gltransaction><journalid>GJ</journalid></create_gltransaction>", ("GLBATCH",)),
        ("<create_supdoc><supdocid>S1</supdocid></create_supdoc>", ("SUPDOC",)),
        ("<update_supdoc><supdocid>S1</supdocid></update_supdoc>", ("SUPDOC",)),
        ("<delete_supdoc><key>S1</key></delete_supdoc>", ("SUPDOC",)),
        ("<create_supdocfolder><supdocfoldername/></create_supdocfolder>", ("SUPDOCFOLDER",)),
        # Reads write nothing, whatever they name.
        ("<readByQuery><object>USERINFO</object></readByQuery>", ()),
        ("<read><object>LOCATIONENTITY</object><keys>1</keys></read>", ()),
    ],
)
def test_every_object_a_function_writes_is_named(xml: str, written: tuple[str, ...]) -> None:
    assert WorkerFunction.parse(xml, "c1").objects_written == written


def test_a_deletes_objects_are_read_whole_wherever_they_are() -> None:
    """Comments and processing instructions cannot split a name, nor nesting hide one, from the check."""
    function = WorkerFunction.parse(
        "<delete><object>GL<!--x-->ACC<?p?>OUNT</object><keys><object>VENDOR</object></keys></delete>", "d1"
    )
    assert function.objects_written == ("GLACCOUNT", "VENDOR")


@pytest.mark.parametrize("xml", ["<create/>", "<update>APBILL</update>", "<delete><keys>1</keys></delete>"])
def test_a_write_that_names_no_object_is_refused(xml: str) -> None:
    with pytest.raises(InvalidFunction, match="names no object"):
        WorkerFunction.parse(xml, "c1")


@pytest.mark.parametrize("control_id", ["", "x" * 257, "tab\there"])
def test_a_control_id_is_required_and_printable(control_id: str) -> None:
    with pytest.raises(InvalidFunction, match="control_id"):
        WorkerFunction.parse(BILL, control_id)


def test_the_function_cannot_reach_the_signed_parts_of_the_request() -> None:
    sneaky = WorkerFunction.parse("<create><x>&lt;/content&gt;&lt;authentication&gt;</x></create>", "c1")
    body = build_request(SENDER, LOGIN, [sneaky], control_id="r1", unique=True)
    root = etree.fromstring(body)
    assert root.findtext("control/uniqueid") == "true"
    assert len(root.findall(".//authentication")) == 1
    assert root.find("operation/content/function[@controlid='c1']/create/x").text == (
        "</content><authentication>"
    )


def test_requests_are_not_unique_unless_asked() -> None:
    body = build_request(SENDER, LOGIN, [WorkerFunction.parse(BILL, "c1")], control_id="r1")
    assert etree.fromstring(body).findtext("control/uniqueid") == "false"
