"""The sign-in guard's Fingerprinter port's contract, kept by the KMS adapter and the local-key fake alike:
one identity's equal secrets match, anything else does not, and no fingerprint shows the secret."""

from __future__ import annotations

import boto3
import pytest

from connection_service.adapters.kms_fingerprinter import KmsFingerprinter
from connection_service.intacct import Secret
from connection_service.sign_in_guard import Fingerprinter, Identity
from tests.support.fakes import HmacFingerprinter

from .conftest import MEMORY, ON_AWS

USER = Identity.of("DEMO-CO", "ws_expenses")


@pytest.fixture(params=[MEMORY, ON_AWS])
def fingerprinter(request: pytest.FixtureRequest) -> Fingerprinter:
    if request.param == MEMORY:
        return HmacFingerprinter()
    resources = request.getfixturevalue("aws")
    return KmsFingerprinter(boto3.client("kms"), resources.fingerprint_key_id)


def test_one_identitys_equal_secrets_match_and_nothing_else_does(fingerprinter: Fingerprinter) -> None:
    right = fingerprinter.fingerprint(USER, Secret("Right-Passw0rd!"))
    assert (
        fingerprinter.fingerprint(Identity.of(" demo-co", "WS_EXPENSES "), Secret("Right-Passw0rd!")) == right
    )
    others = {
        fingerprinter.fingerprint(USER, Secret("right-passw0rd!")),  # a password's case matters
        fingerprinter.fingerprint(USER, Secret("Right-Passw0rd! ")),  # and so does every space
        fingerprinter.fingerprint(Identity.of("DEMO-CO", "another_user"), Secret("Right-Passw0rd!")),
    }
    assert right not in others and len(others) == 3
    assert "Passw0rd" not in right
