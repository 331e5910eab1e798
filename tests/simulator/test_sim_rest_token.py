"""REST OAuth 2.0: the token endpoint's grants and refusals, and how bearer tokens end."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest

from tests.simulator.rest_helpers import CLIENT_ID, CLIENT_SECRET, RestClient, error_of

pytestmark = pytest.mark.integration

DEPARTMENTS = "/objects/company-config/department"


def test_client_credentials_form_encoded(rest: RestClient) -> None:
    reply = rest.client_credentials()
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"token_type", "access_token", "refresh_token", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 21600)
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["cnyId"], claims["userId"], claims["entityId"]) == ("DEMO-CO", "ws_expenses", "")
    assert claims["exp"] - claims["iat"] in (21600, 21601)
    assert rest.call("GET", DEPARTMENTS, token=body["access_token"]).status_code == 200


def test_client_credentials_as_json_and_with_an_entity(rest: RestClient) -> None:
    reply = rest.token_request(
        json={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": "WS_EXPENSES@demo-co|us-east",
        }
    )
    assert reply.status_code == 200, reply.text
    claims = jwt.decode(reply.json()["access_token"], options={"verify_signature": False})
    assert (claims["cnyId"], claims["userId"], claims["entityId"]) == ("DEMO-CO", "ws_expenses", "US-EAST")


@pytest.mark.parametrize(
    ("username", "secret", "client_id", "status", "code"),
    [
        ("ws_expenses@DEMO-CO", "wrong", CLIENT_ID, 401, "REST-1216"),
        ("ws_expenses@DEMO-CO", CLIENT_SECRET, "Unknown-App", 400, "GW-0011"),
        ("ws_expenses@NO-SUCH-CO", CLIENT_SECRET, CLIENT_ID, 400, "GW-0011"),
        ("ws_expenses@NOSENDER-CO", CLIENT_SECRET, CLIENT_ID, 400, "GW-0011"),
        ("ws_expenses@NOWS-CO", CLIENT_SECRET, CLIENT_ID, 400, "GW-0011"),
        ("ws_expenses@EXPIRED-CO", CLIENT_SECRET, CLIENT_ID, 400, "GW-0011"),
        ("ws_expenses@NOPROJECTS-CO", CLIENT_SECRET, CLIENT_ID, 401, "REST-1216"),  # no client-app row
        ("ws_expenses", CLIENT_SECRET, CLIENT_ID, 400, "GW-0012"),
        ("ws_expenses@", CLIENT_SECRET, CLIENT_ID, 400, "GW-0012"),
        ("ws_unlinked@DEMO-CO", CLIENT_SECRET, CLIENT_ID, 401, "REST-1216"),
        ("ws_locked@DEMO-CO", CLIENT_SECRET, CLIENT_ID, 401, "REST-1216"),
        ("nobody@DEMO-CO", CLIENT_SECRET, CLIENT_ID, 401, "REST-1216"),
    ],
)
def test_client_credentials_refusals(
    rest: RestClient, username: str, secret: str, client_id: str, status: int, code: str
) -> None:
    reply = rest.client_credentials(username, secret=secret, client_id=client_id)
    assert reply.status_code == status, reply.text
    body = reply.json()
    if code.startswith("GW-"):
        # Gateway errors: a top-level ia::error with details {requestId}.
        assert set(body) == {"ia::error", "ia::meta"}
        assert body["ia::error"]["code"] == code
        assert set(body["ia::error"]["details"]) == {"requestId"}
        assert body["ia::error"]["supportId"]
    else:
        # Other errors: Sage's default nested envelope.
        error = body["ia::result"]["ia::error"]
        assert (error["code"], error["errorId"]) == ("invalid_client", code)
        assert error["message"] == "The Client ID, Client Secret, and/or 3rd Party Application are incorrect"
        assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    entry = rest.sim.requests()[-1]
    assert (entry["api"], entry["auth"], entry["token_outcome"]) == ("rest", "token_request", "refused")
    # Credentials are a failed sign-in; the company's setup and a malformed username are not.
    setup = ("NOSENDER-CO", "NOWS-CO", "EXPIRED-CO", "NOPROJECTS-CO")
    assert entry["sign_in_failed"] is not (code == "GW-0012" or username.endswith(setup))
    assert secret not in repr(rest.sim.requests())


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "GW-0035"),
        (b"client_id=ExpenseInREST-Demo&client_secret=x&username=a@DEMO-CO", "GW-0032"),
        (b"grant_type=password&client_id=ExpenseInREST-Demo", "GW-0032"),
        (b"grant_type=client_credentials&client_secret=x&username=a@DEMO-CO", "GW-0037"),
        (b"grant_type=client_credentials&client_id=a&client_id=b&username=a@DEMO-CO", "GW-0038"),
        (b"grant_type=client_credentials&client_id=ExpenseInREST-Demo&client_secret=x", "GW-0036"),
        (b"grant_type=client_credentials&client_id=ExpenseInREST-Demo&username=a@X&username=b@X", "GW-0039"),
    ],
)
def test_malformed_token_requests(rest: RestClient, data: bytes, code: str) -> None:
    reply = rest.token_request(raw=data)
    assert reply.status_code == 400, reply.text
    assert reply.json()["ia::error"]["code"] == code
    assert rest.sim.requests()[-1]["sign_in_failed"] is False


def test_unknown_and_forbidden_entities(rest: RestClient) -> None:
    reply = rest.client_credentials("ws_expenses@DEMO-CO|NOWHERE")
    assert reply.status_code == 400
    assert error_of(reply)["code"] == "invalidRequest"
    assert "NOWHERE" in error_of(reply)["message"]


def test_refresh_token_grant_rotates(rest: RestClient) -> None:
    first = rest.client_credentials().json()
    form = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    second = rest.token_request({**form, "refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert rest.call("GET", DEPARTMENTS, token=second.json()["access_token"]).status_code == 200
    reused = rest.token_request({**form, "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400
    assert error_of(reused)["code"] == "invalid_grant"
    wrong_secret = rest.token_request(
        {**form, "client_secret": "nope", "refresh_token": second.json()["refresh_token"]}
    )
    assert wrong_secret.status_code == 401


def test_refresh_tokens_may_stay(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", rotate_refresh_tokens=False)
    first = rest.client_credentials().json()
    form = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    for _ in range(2):
        again = rest.token_request({**form, "refresh_token": first["refresh_token"]})
        assert again.json()["refresh_token"] == first["refresh_token"]


def test_expired_token_is_not_valid_at_400(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", access_token_lifetime_seconds=0.3)
    token = rest.sign_in()
    assert rest.client_credentials().json()["expires_in"] == 1
    time.sleep(0.5)
    reply = rest.call("GET", DEPARTMENTS, token=token)
    assert reply.status_code == 400
    error = reply.json()["ia::result"]["ia::error"]
    assert (error["errorId"], error["message"]) == ("REST-1206", "The token is not valid")
    assert rest.sim.requests()[-1]["token_outcome"] == "invalid"


def test_expired_token_as_gw_0040(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", access_token_lifetime_seconds=0.3, expired_token_style="gw_0040")
    token = rest.sign_in()
    time.sleep(0.5)
    reply = rest.call("GET", DEPARTMENTS, token=token)
    assert reply.status_code == 401
    assert reply.json()["ia::error"]["code"] == "GW-0040"
    assert rest.sim.requests()[-1]["token_outcome"] == "expired"


def test_lifetime_is_a_company_setting(rest: RestClient) -> None:
    patched = rest.control("PATCH", "/_sim/companies/DEMO-CO", {"access_token_lifetime_seconds": 120})
    assert patched.status_code == 200 and patched.json()["knobs"]["access_token_lifetime_seconds"] == 120
    assert rest.client_credentials().json()["expires_in"] == 120


def test_ending_sessions_ends_tokens(rest: RestClient) -> None:
    token = rest.sign_in()
    assert rest.control("DELETE", "/_sim/companies/DEMO-CO/sessions").json() == {"ended_sessions": 1}
    reply = rest.call("GET", DEPARTMENTS, token=token)
    assert reply.status_code == 400 and error_of(reply)["errorId"] == "REST-1206"


def test_locking_the_user_ends_its_tokens(rest: RestClient) -> None:
    token = rest.sign_in()
    assert rest.control("PATCH", "/_sim/companies/DEMO-CO/users/ws_expenses", {"status": "locked"}).ok
    assert rest.call("GET", DEPARTMENTS, token=token).status_code == 400


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "GW-0034"),
        ("Basic abc", 401, "GW-0034"),
        ("Bearer not-a-jwt", 401, "GW-0031"),
        ("Bearer a.b.c", 400, "tokenInvalid"),
    ],
)
def test_bad_bearer_tokens(rest: RestClient, authorization: str | None, status: int, code: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = rest.http.get(rest.sim.rest_url + DEPARTMENTS, headers=headers, timeout=10)
    assert reply.status_code == status
    assert error_of(reply)["code"] == code


def test_a_token_signed_elsewhere_is_not_valid(rest: RestClient) -> None:
    claims = jwt.decode(rest.sign_in(), options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-of-at-least-32-bytes!!", algorithm="HS256")
    assert rest.call("GET", DEPARTMENTS, token=forged).status_code == 400


def test_client_application_control(rest: RestClient) -> None:
    base = "/_sim/companies/DEMO-CO/client-applications/ExpenseInREST-Demo"
    token = rest.sign_in()
    # Deactivated: no new token, and the tokens it had minted stop working.
    assert rest.control("PUT", base, {"status": "inactive"}).ok
    assert rest.client_credentials().status_code == 401
    assert rest.call("GET", DEPARTMENTS, token=token).status_code == 400
    assert rest.control("PUT", base, {"status": "active"}).ok
    # Unlinked user, then linked again.
    assert rest.control("DELETE", base + "/users/ws_expenses").ok
    assert rest.client_credentials().status_code == 401
    assert rest.control("PUT", base + "/users/ws_unlinked").ok
    assert rest.client_credentials("ws_unlinked@DEMO-CO").status_code == 200
    summary = rest.control("GET", "/_sim/companies/DEMO-CO").json()
    assert summary["client_authorizations"]["ExpenseInREST-Demo"] == {
        "status": "active",
        "users": ["ws_limited", "ws_locked", "ws_unlinked"],
    }
    # Removed, then authorized afresh for one user.
    assert rest.control("DELETE", base).ok
    assert rest.client_credentials("ws_unlinked@DEMO-CO").status_code == 401
    assert rest.control("PUT", base, {"users": ["ws_expenses"]}).ok
    assert rest.client_credentials().status_code == 200
    assert rest.control("PUT", "/_sim/companies/DEMO-CO/client-applications/Nope", {}).status_code == 404
    assert rest.control("PUT", base, {"status": "gone"}).status_code == 400


def test_the_client_application_row_may_be_optional(make_rest: Callable[..., RestClient]) -> None:
    rest = make_rest("DEMO-CO", client_application_required=False)
    assert rest.client_credentials("ws_unlinked@DEMO-CO").status_code == 200


def test_refusals_are_settings(make_rest: Callable[..., RestClient]) -> None:
    override = {
        "user_not_linked": {"status": 403, "code": "forbidden", "error_id": "REST-9999", "message": "No"}
    }
    rest = make_rest("DEMO-CO", rest_errors=override, rest_error_envelope="bare")
    reply = rest.client_credentials("ws_unlinked@DEMO-CO")
    assert reply.status_code == 403
    error = reply.json()["error"]
    assert (error["code"], error["errorId"], error["message"]) == ("forbidden", "REST-9999", "No")


def test_the_log_records_token_requests_without_secrets(rest: RestClient) -> None:
    token = rest.sign_in("ws_expenses@DEMO-CO|US-WEST")
    rest.call("GET", DEPARTMENTS)
    grant, call = rest.sim.requests("DEMO-CO")[-2:]
    assert (grant["auth"], grant["method"], grant["path"], grant["token_outcome"]) == (
        "token_request",
        "POST",
        "/oauth2/token",
        "issued",
    )
    assert (grant["user"], grant["entity"], grant["http_status"]) == ("ws_expenses", "US-WEST", 200)
    assert (call["auth"], call["token_outcome"], call["entity"], call["http_status"]) == (
        "token",
        "valid",
        "US-WEST",
        200,
    )
    assert isinstance(call["duration_ms"], float)
    logged = repr(rest.sim.requests())
    assert token not in logged and CLIENT_SECRET not in logged
