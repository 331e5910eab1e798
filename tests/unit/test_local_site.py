"""The local stack's own pages: the admin page's files by exact name only; tokens for valid input only."""

from __future__ import annotations

import json

import pytest

from local_stack.site import LocalSite


@pytest.fixture
def site() -> LocalSite:
    return LocalSite(lambda tenant, role: f"token-for-{tenant}-{role}", lambda: '{"openapi": "3.1.0"}')


def test_the_page_and_its_files_are_served_with_a_strict_policy(site: LocalSite) -> None:
    page = site.answer("GET", "/", None)
    assert page is not None and page.status == 200 and "<h1>Accounting</h1>" in page.body
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    script = site.answer("GET", "/admin/app.js", None)
    assert script is not None and script.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path", ["/admin/../README.md", "/admin/%2e%2e/README.md", "/admin/", "/admin/screenshot-connected.png"]
)
def test_nothing_but_the_pages_files_by_name(site: LocalSite, path: str) -> None:
    answer = site.answer("GET", path, None)
    assert answer is not None and answer.status == 404


def test_the_api_keeps_every_other_path(site: LocalSite) -> None:
    assert site.answer("GET", "/connections", None) is None
    assert site.answer("POST", "/", None) is None


def test_a_token_for_a_valid_tenant_and_role(site: LocalSite) -> None:
    answer = site.answer("POST", "/_local/token", b'{"tenant": "acme", "role": "member"}')
    assert answer is not None and json.loads(answer.body) == {"token": "token-for-acme-member"}


def test_no_token_for_a_page_served_under_another_name(site: LocalSite) -> None:
    body = b'{"tenant": "acme", "role": "admin"}'
    for host in ("127.0.0.1:3000", "localhost:3000", "[::1]:3000"):
        answer = site.answer("POST", "/_local/token", body, host)
        assert answer is not None and answer.status == 200, host
    rebound = site.answer("POST", "/_local/token", body, "attacker.example:3000")
    assert rebound is not None and rebound.status == 403


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"tenant": "acme", "role": "owner"}',
        b'{"tenant": "../x", "role": "admin"}',
        b"{}",
    ],
)
def test_no_token_for_anything_else(site: LocalSite, body: bytes) -> None:
    answer = site.answer("POST", "/_local/token", body)
    assert answer is not None and answer.status in (400, 422) and "token" not in json.loads(answer.body)
