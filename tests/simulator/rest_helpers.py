"""Helpers for the simulator's REST tests: a small client over real HTTP on loopback."""

from __future__ import annotations

from typing import Any

import requests

from intacct_simulator import IntacctSimulator

CLIENT_ID = "ExpenseInREST-Demo"
CLIENT_SECRET = "Client-Demo-Secret-1"
TIMEOUT = 10


class RestClient:
    def __init__(self, sim: IntacctSimulator) -> None:
        self.sim = sim
        self.http = requests.Session()
        self.token: str | None = None

    def token_request(
        self, data: Any = None, *, json: Any = None, raw: bytes | None = None
    ) -> requests.Response:
        url = self.sim.rest_url + "/oauth2/token"
        if raw is not None:
            return self.http.post(url, data=raw, timeout=TIMEOUT)
        return self.http.post(url, data=data, json=json, timeout=TIMEOUT)

    def client_credentials(
        self,
        username: str = "ws_expenses@DEMO-CO",
        *,
        secret: str = CLIENT_SECRET,
        client_id: str = CLIENT_ID,
    ) -> requests.Response:
        return self.token_request(
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "username": username,
            }
        )

    def sign_in(self, username: str = "ws_expenses@DEMO-CO") -> str:
        reply = self.client_credentials(username)
        assert reply.status_code == 200, reply.text
        self.token = str(reply.json()["access_token"])
        return self.token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        sent = {"Accept": "application/json"}
        bearer = token if token is not None else self.token
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        sent.update(headers or {})
        return self.http.request(method, self.sim.rest_url + path, json=body, headers=sent, timeout=TIMEOUT)

    def query(self, obj: str, fields: list[str], **extra: Any) -> requests.Response:
        headers = extra.pop("headers", None)
        return self.call(
            "POST", "/services/core/query", {"object": obj, "fields": fields, **extra}, headers=headers
        )

    def control(self, method: str, path: str, json: Any = None) -> requests.Response:
        return self.http.request(method, self.sim.base_url + path, json=json, timeout=TIMEOUT)


def error_of(reply: requests.Response) -> dict[str, Any]:
    """The `ia::error` of an answer in either Sage envelope (nested or top-level)."""
    body = reply.json()
    if "ia::error" in body:
        return dict(body["ia::error"])
    return dict(body["ia::result"]["ia::error"])
