"""Least privilege: who may touch secrets, the table, the key; every resource is scoped to this service."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from connection_service.adapters.secrets_store import SecretsManagerSecretStore

from .helpers import (
    Template,
    actions,
    as_list,
    functions,
    policy_statements,
    resources_of_type,
    sub_text,
)

SECRET_ARN_PREFIXES = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:intacct-connections/${Stage}/",
    "arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:intacct-connections/${Stage}/",
)
TENANT_SECRETS = "intacct-connections/${Stage}/tenant/*"
SECRET_WRITES = {
    "secretsmanager:PutSecretValue",
    "secretsmanager:CreateSecret",
    "secretsmanager:UpdateSecret",
}


def _service_actions(template: Template, logical_id: str, service: str) -> set[str]:
    return {
        action
        for statement in policy_statements(template, logical_id)
        for action in actions(statement)
        if action.startswith(f"{service}:")
    }


def _holders(template: Template, action: str) -> set[str]:
    return {
        name
        for name in functions(template)
        if action in _service_actions(template, name, action.split(":")[0])
    }


def test_only_edit_credentials_writes_secrets(template: Template) -> None:
    for action in SECRET_WRITES - {"secretsmanager:UpdateSecret"}:
        assert _holders(template, action) == {"EditCredentialsFunction"}, action
    assert _holders(template, "secretsmanager:UpdateSecret") == set()


def test_only_disconnect_and_the_admins_verifications_delete_secrets(template: Template) -> None:
    # Disconnect deletes a connection's secret; an admin's edit or verify deletes a password kept from
    # before a switch to client credentials, once the new method connected (never the health check: an
    # admin may save a password while it runs).
    assert _holders(template, "secretsmanager:DeleteSecret") == {
        "DisconnectFunction",
        "EditCredentialsFunction",
        "VerifyFunction",
    }


@pytest.mark.parametrize("logical_id", ["ReadFunction", "ConnectFunction", "HealthDispatcherFunction"])
def test_functions_without_credentials_have_no_secrets_or_key_access(
    template: Template, logical_id: str
) -> None:
    assert _service_actions(template, logical_id, "secretsmanager") == set()
    assert _service_actions(template, logical_id, "kms") == set()


def _is_service_secret(template: Template, resource: Any) -> bool:
    text = sub_text(resource)
    if text is not None:
        return text.startswith(SECRET_ARN_PREFIXES) and "*" not in text.split("${Stage}/", 1)[0]
    if isinstance(resource, dict) and set(resource) == {"Ref"}:
        target = template["Resources"].get(resource["Ref"], {})
        name = sub_text(target.get("Properties", {}).get("Name"))
        return target.get("Type") == "AWS::SecretsManager::Secret" and bool(
            name and name.startswith("intacct-connections/${Stage}/")
        )
    return False


def test_every_secrets_manager_resource_is_under_the_service_prefix(template: Template) -> None:
    for logical_id in functions(template):
        for statement in policy_statements(template, logical_id):
            if any(action.startswith("secretsmanager:") for action in actions(statement)):
                for resource in as_list(statement.get("Resource")):
                    assert _is_service_secret(template, resource), f"{logical_id}: {resource}"


def test_tenant_secret_names_match_the_iam_pattern(template: Template) -> None:
    prefix = sub_text(template["Globals"]["Function"]["Environment"]["Variables"]["SECRET_PREFIX"])
    assert prefix == "intacct-connections/${Stage}/"
    store = SecretsManagerSecretStore(None, name_prefix=prefix.replace("${Stage}", "dev"), kms_key_id="k")  # type: ignore[arg-type]
    name = store.secret_name("acme", "3f2b9c1e8d7a4f60b5e4c3d2a1f09e87")
    assert fnmatch.fnmatchcase(name, TENANT_SECRETS.replace("${Stage}", "dev"))
    resources = {
        sub_text(resource)
        for statement in policy_statements(template, "EditCredentialsFunction")
        for resource in as_list(statement.get("Resource"))
    }
    assert SECRET_ARN_PREFIXES[0] + "tenant/*" in resources


def test_no_wildcard_actions_or_resources(template: Template) -> None:
    for logical_id in functions(template):
        for statement in policy_statements(template, logical_id):
            assert statement.get("Effect") == "Allow"
            assert not any(action == "*" or action.endswith(":*") for action in actions(statement)), (
                logical_id
            )
            assert "*" not in as_list(statement.get("Resource")), f"{logical_id}: Resource '*'"


def test_kms_use_is_through_secrets_manager_or_fingerprints_on_the_hmac_key(template: Template) -> None:
    for logical_id in functions(template):
        for statement in policy_statements(template, logical_id):
            if any(action.startswith("kms:") for action in actions(statement)):
                if statement["Resource"] == {"Fn::GetAtt": ["SignInFingerprintKey", "Arn"]}:
                    assert actions(statement) == ["kms:GenerateMac"], logical_id
                    continue
                assert statement["Resource"] == {"Fn::GetAtt": ["ServiceKey", "Arn"]}, logical_id
                via = statement["Condition"]["StringEquals"]["kms:ViaService"]
                assert sub_text(via) == "secretsmanager.${AWS::Region}.amazonaws.com", logical_id


def test_only_functions_that_sign_in_compute_password_fingerprints(template: Template) -> None:
    assert _holders(template, "kms:GenerateMac") == {
        "EditCredentialsFunction",
        "VerifyFunction",
        "HealthWorkerFunction",
        "ExportFunction",
    }


def test_table_access_is_scoped_to_the_table_and_its_due_index(template: Template) -> None:
    allowed = ({"Fn::GetAtt": ["ConnectionsTable", "Arn"]}, {"Fn::Sub": "${ConnectionsTable.Arn}/index/due"})
    for logical_id in functions(template):
        for statement in policy_statements(template, logical_id):
            if any(action.startswith("dynamodb:") for action in actions(statement)):
                for resource in as_list(statement.get("Resource")):
                    assert resource in allowed, f"{logical_id}: {resource}"


def test_read_function_only_reads(template: Template) -> None:
    assert _service_actions(template, "ReadFunction", "dynamodb") == {"dynamodb:GetItem", "dynamodb:Query"}
    every_service = {
        action.split(":")[0]
        for statement in policy_statements(template, "ReadFunction")
        for action in actions(statement)
    }
    assert every_service == {"dynamodb"}


def test_dispatcher_reads_only_the_due_index_and_claims(template: Template) -> None:
    by_action = {
        action: statement["Resource"]
        for statement in policy_statements(template, "HealthDispatcherFunction")
        for action in actions(statement)
    }
    assert by_action == {
        "dynamodb:Query": {"Fn::Sub": "${ConnectionsTable.Arn}/index/due"},
        "dynamodb:UpdateItem": {"Fn::GetAtt": ["ConnectionsTable", "Arn"]},
        "dynamodb:GetItem": {"Fn::GetAtt": ["ConnectionsTable", "Arn"]},  # outbox entries
        "sqs:SendMessage": {"Fn::GetAtt": ["HealthQueue", "Arn"]},
        "events:PutEvents": {"Fn::GetAtt": ["EventBus", "Arn"]},  # republishes the outbox
    }


def test_status_changes_are_published_only_to_the_service_bus(template: Template) -> None:
    publishers = _holders(template, "events:PutEvents")
    assert publishers == {
        "ConnectFunction",
        "HealthDispatcherFunction",
        "EditCredentialsFunction",
        "VerifyFunction",
        "DisconnectFunction",
        "HealthWorkerFunction",
        "ExportFunction",
    }
    for logical_id in publishers:
        for statement in policy_statements(template, logical_id):
            if "events:PutEvents" in actions(statement):
                assert statement["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}


def test_key_policies_keep_key_use_to_the_function_roles(template: Template) -> None:
    keys = resources_of_type(template, "AWS::KMS::Key")
    assert set(keys) == {"ServiceKey", "SignInFingerprintKey"}
    assert keys["ServiceKey"]["Properties"]["EnableKeyRotation"] is True
    hmac_key = keys["SignInFingerprintKey"]["Properties"]
    assert (hmac_key["KeySpec"], hmac_key["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    for name, key in keys.items():
        assert key["DeletionPolicy"] == "Retain", name
        _check_key_policy(template, name, key)


def _check_key_policy(template: Template, name: str, key: dict[str, Any]) -> None:
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        principal = statement["Principal"]
        if principal == {"AWS": "*"}:
            condition = statement["Condition"]
            assert condition["StringEquals"]["kms:CallerAccount"] == {"Ref": "AWS::AccountId"}
            if name == "SignInFingerprintKey":
                assert as_list(statement["Action"]) == ["kms:GenerateMac"]  # no key material ever leaves
            else:
                assert sub_text(condition["StringEquals"]["kms:ViaService"]) in {
                    "secretsmanager.${AWS::Region}.amazonaws.com",
                    "dynamodb.${AWS::Region}.amazonaws.com",
                }
            role_path = sub_text(condition["ArnLike"]["aws:PrincipalArn"])
            assert role_path is not None
            assert role_path.endswith(
                ":role" + str(sub_text(template["Globals"]["Function"]["RolePath"])) + "*"
            )
            assert not any(action in ("kms:*", "*") for action in as_list(statement["Action"]))


def test_secrets_filled_by_hand_survive_the_stack(template: Template) -> None:
    sender = template["Resources"]["PlatformSenderSecret"]
    assert (sender["DeletionPolicy"], sender["UpdateReplacePolicy"]) == ("Retain", "Retain")
