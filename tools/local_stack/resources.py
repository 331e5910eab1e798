"""Creates the stack's stateful resources in the AWS emulator from template.yaml's own definitions.

moto cannot deploy a SAM template, so this reads the table, queues, bus, key and platform secret out of
template.yaml and creates them with boto3 (in-process moto or a moto server, whichever boto3 points at).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from .cfn_template import load_template, resolve

STAGE = "local"
SENDER = {"sender_id": "ExpenseInMPP", "sender_password": "Sender-Demo-1"}
# The simulator's demo client application (tools/intacct_simulator/demo.yaml), bound to the sender above.
CLIENT_APPLICATION = {"client_id": "ExpenseInREST-Demo", "client_secret": "Client-Demo-Secret-1"}


@dataclass(frozen=True)
class LocalResources:
    table_name: str
    kms_key_id: str
    fingerprint_key_id: str
    sender_secret_id: str
    client_application_secret_id: str
    client_id: str  # our client application's (public), as the admin's screens show it
    event_bus_name: str
    queue_url: str
    dead_letter_queue_url: str
    secret_prefix: str
    globals_environment: dict[str, str]

    def environment(self, intacct_endpoint_url: str, intacct_rest_url: str) -> dict[str, str]:
        """The environment the functions get from template.yaml, with local values."""
        env = dict(self.globals_environment)
        env.update(
            {
                "TABLE_NAME": self.table_name,
                "SECRET_PREFIX": self.secret_prefix,
                "KMS_KEY_ID": self.kms_key_id,
                "FINGERPRINT_KEY_ID": self.fingerprint_key_id,
                "SENDER_SECRET_ID": self.sender_secret_id,
                "CLIENT_APPLICATION_SECRET_ID": self.client_application_secret_id,
                "INTACCT_CLIENT_ID": self.client_id,
                "EVENT_BUS_NAME": self.event_bus_name,
                "HEALTH_QUEUE_URL": self.queue_url,
                "INTACCT_ENDPOINT_URL": intacct_endpoint_url,
                "INTACCT_REST_URL": intacct_rest_url,
            }
        )
        return env


def _properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    resource = template["Resources"][logical_id]
    return dict(resource.get("Properties", {}))


def _plain_globals(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, str]:
    """Globals environment variables whose values are literals or parameter defaults."""
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    plain: dict[str, str] = {}
    for name, value in variables.items():
        resolved = resolve(value, parameters)
        if isinstance(resolved, (str, int, float)):
            plain[name] = str(resolved)
    return plain


def _create_queue(
    sqs: Any, properties: dict[str, Any], parameters: dict[str, str], dlq_arn: str | None
) -> str:
    name = resolve(properties.get("QueueName"), parameters)
    fifo = bool(properties.get("FifoQueue"))
    if not isinstance(name, str):
        name = "intacct-connections-local-queue" + (".fifo" if fifo else "")
    attributes: dict[str, str] = {}
    for key in (
        "FifoQueue",
        "ContentBasedDeduplication",
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "DeduplicationScope",
        "FifoThroughputLimit",
    ):
        if key in properties and not isinstance(properties[key], dict):
            value = properties[key]
            attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
    redrive = properties.get("RedrivePolicy")
    if dlq_arn and isinstance(redrive, dict):
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": int(redrive.get("maxReceiveCount", 3))}
        )
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def create_resources(
    stage: str = STAGE,
    sender: dict[str, str] | None = None,
    client_application: dict[str, str] | None = None,
) -> LocalResources:
    template = load_template()
    parameters = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    parameters.update(
        {
            "Stage": stage,
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "AWS::StackName": f"intacct-connections-{stage}",
        }
    )

    kms = boto3.client("kms")
    key_id = str(kms.create_key(Description="intacct-connections local service key")["KeyMetadata"]["Arn"])
    hmac_key = _properties(template, "SignInFingerprintKey")
    fingerprint_key_id = str(
        kms.create_key(
            Description="intacct-connections local sign-in guard fingerprints",
            KeySpec=hmac_key["KeySpec"],
            KeyUsage=hmac_key["KeyUsage"],
        )["KeyMetadata"]["Arn"]
    )

    dynamodb = boto3.client("dynamodb")
    table = _properties(template, "ConnectionsTable")
    table_name = resolve(table.get("TableName"), parameters)
    if not isinstance(table_name, str):
        table_name = f"intacct-connections-{stage}"
    create: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": table.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if table.get("GlobalSecondaryIndexes"):
        create["GlobalSecondaryIndexes"] = table["GlobalSecondaryIndexes"]
    dynamodb.create_table(**create)
    ttl = table.get("TimeToLiveSpecification")
    if isinstance(ttl, dict) and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )

    secrets = boto3.client("secretsmanager")
    secret = _properties(template, "PlatformSenderSecret")
    secret_name = resolve(secret.get("Name"), parameters)
    platform_secret = secrets.create_secret(
        Name=str(secret_name), SecretString=json.dumps(sender or SENDER), KmsKeyId=key_id
    )
    client_secret_name = resolve(
        _properties(template, "PlatformClientApplicationSecret").get("Name"), parameters
    )
    client_secret = secrets.create_secret(
        Name=str(client_secret_name),
        SecretString=json.dumps(client_application or CLIENT_APPLICATION),
        KmsKeyId=key_id,
    )

    events = boto3.client("events")
    bus = _properties(template, "EventBus")
    bus_name = str(resolve(bus.get("Name"), parameters))
    events.create_event_bus(Name=bus_name)

    sqs = boto3.client("sqs")
    dlq_url = _create_queue(sqs, _properties(template, "HealthDeadLetterQueue"), parameters, None)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = _create_queue(sqs, _properties(template, "HealthQueue"), parameters, dlq_arn)

    globals_env = _plain_globals(template, parameters)
    prefix = str(
        resolve(template["Globals"]["Function"]["Environment"]["Variables"]["SECRET_PREFIX"], parameters)
    )
    return LocalResources(
        table_name=table_name,
        kms_key_id=key_id,
        fingerprint_key_id=fingerprint_key_id,
        sender_secret_id=str(platform_secret["ARN"]),
        client_application_secret_id=str(client_secret["ARN"]),
        client_id=(client_application or CLIENT_APPLICATION)["client_id"],
        event_bus_name=bus_name,
        queue_url=queue_url,
        dead_letter_queue_url=dlq_url,
        secret_prefix=prefix,
        globals_environment=globals_env,
    )
