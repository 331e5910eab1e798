"""Runs the popular Python Intacct SDK (sageintacctsdk) against the Intacct simulator and prints, per
object, how many records its get_all() read (or the error). Run by tests/integration/test_python_sdk.py in
its own process, because it reroutes requests.post: the SDK posts to https://api.intacct.com (hard-coded)
and to the endpoint getAPISession returns; both are sent to the simulator on 127.0.0.1, and any other host
is refused, so nothing leaves the machine.
Usage: python python_sdk_probe.py <simulator port>
"""

import json
import sys
import urllib.parse

import requests

PORT = sys.argv[1]
_post = requests.post


def _loopback_post(url: str, *args: object, **kwargs: object) -> requests.Response:
    parts = urllib.parse.urlsplit(url)
    if not (parts.hostname or "").endswith("intacct.com"):
        raise RuntimeError(f"refusing to post to {parts.hostname}")
    return _post(f"http://127.0.0.1:{PORT}{parts.path}", *args, **kwargs)  # type: ignore[arg-type]


requests.post = _loopback_post  # type: ignore[assignment]

from sageintacctsdk import SageIntacctSDK  # noqa: E402 - after the reroute, which it must see

sdk = SageIntacctSDK(
    sender_id="ExpenseInMPP",
    sender_password="Sender-Demo-1",
    user_id="ws_expenses",
    company_id="DEMO-CO",
    user_password="Demo-Passw0rd!",
)
answers: dict[str, object] = {}
for name in (
    "departments",
    "locations",
    "location_entities",
    "classes",
    "accounts",
    "vendors",
    "tax_details",
    "projects",
    "charge_card_accounts",
):
    try:
        answers[name] = len(getattr(sdk, name).get_all())
    except Exception as error:
        answers[name] = f"{type(error).__name__}: {error}"[:400]
print(json.dumps(answers))
