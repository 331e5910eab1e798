"""The corrections that make moto behave like AWS where our tests would notice (local_stack/moto_fidelity)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local_stack.moto_fidelity import make_moto_behave_like_aws


@pytest.fixture
def table() -> Iterator[Any]:
    make_moto_behave_like_aws()
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _put(key: str, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": "t", "Item": {"pk": {"S": key}, "v": {"N": "1"}}}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def test_a_transaction_writes_nothing_when_one_condition_fails(table: Any) -> None:
    table.put_item(TableName="t", Item={"pk": {"S": "taken"}})
    with pytest.raises(ClientError) as raised:
        table.transact_write_items(TransactItems=[_put("fresh"), _put("taken", "attribute_not_exists(pk)")])
    reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in table.get_item(TableName="t", Key={"pk": {"S": "fresh"}})


def test_one_item_twice_in_a_transaction_is_refused(table: Any) -> None:
    with pytest.raises(ClientError, match="multiple operations"):
        table.transact_write_items(TransactItems=[_put("a"), _put("a")])


def test_concurrent_first_writes_of_one_item_let_exactly_one_win(table: Any) -> None:
    def first_write(_: int) -> bool:
        try:
            table.transact_write_items(TransactItems=[_put("only", "attribute_not_exists(pk)")])
        except ClientError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(first_write, range(64))) == 1


def test_reading_a_secret_by_name_follows_its_awscurrent_label() -> None:
    make_moto_behave_like_aws()
    with mock_aws():
        secrets = boto3.client("secretsmanager")
        secrets.create_secret(Name="s", SecretString="one")
        first = secrets.describe_secret(SecretId="s")["VersionIdsToStages"]
        (first_version,) = first
        staged = secrets.put_secret_value(SecretId="s", SecretString="two", VersionStages=["AWSPENDING"])
        assert secrets.get_secret_value(SecretId="s")["SecretString"] == "one"
        secrets.update_secret_version_stage(
            SecretId="s",
            VersionStage="AWSCURRENT",
            MoveToVersionId=staged["VersionId"],
            RemoveFromVersionId=first_version,
        )
        assert secrets.get_secret_value(SecretId="s")["SecretString"] == "two"


def test_moto_keeps_no_reference_to_items_it_replaced(table: Any) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    for version in range(50):
        table.put_item(TableName="t", Item={"pk": {"S": "one"}, "v": {"N": str(version)}})
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, Item) and o.hash_key.value == "one"]
    assert len(alive) <= 2  # the stored version (and at most one a call is still holding)


def test_a_secret_scheduled_for_deletion_takes_no_new_value_and_no_label() -> None:
    make_moto_behave_like_aws()
    with mock_aws():
        secrets = boto3.client("secretsmanager")
        created = secrets.create_secret(Name="s", SecretString="one")
        secrets.delete_secret(SecretId="s", RecoveryWindowInDays=7)
        for write in (
            lambda: secrets.put_secret_value(SecretId="s", SecretString="two", VersionStages=["AWSPENDING"]),
            lambda: secrets.update_secret_version_stage(
                SecretId="s", VersionStage="AWSPENDING", MoveToVersionId=created["VersionId"]
            ),
        ):
            with pytest.raises(secrets.exceptions.InvalidRequestException):
                write()
