"""template.yaml is valid: cfn-lint (with the serverless rules) is clean and SAM translates it offline."""

from __future__ import annotations

import re
import subprocess
import sys

from connection_service.intacct.xml.endpoint import validate_endpoint

from .helpers import ROOT, Template, resources_of_type

_CFN_LINT = "import sys; from cfnlint.runner import main; sys.exit(main())"  # cfnlint has no __main__


def test_cfn_lint_with_serverless_rules_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CFN_LINT, "template.yaml", "-a", "cfn_lint_serverless.rules"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"cfn-lint found problems:\n{result.stdout}{result.stderr}"


def test_sam_translates_the_template_offline(transformed: Template) -> None:
    types = {resource["Type"] for resource in transformed["Resources"].values()}
    assert not any(kind.startswith("AWS::Serverless::") for kind in types)
    assert len(resources_of_type(transformed, "AWS::Lambda::Function")) == 8
    assert {"AWS::ApiGatewayV2::Api", "AWS::Scheduler::Schedule", "AWS::Lambda::EventSourceMapping"} <= types


def test_every_function_role_is_under_the_key_policy_path(transformed: Template) -> None:
    key_policy = transformed["Resources"]["ServiceKey"]["Properties"]["KeyPolicy"]
    path_conditions = [
        statement["Condition"]["ArnLike"]["aws:PrincipalArn"]["Fn::Sub"]
        for statement in key_policy["Statement"]
        if "ArnLike" in statement.get("Condition", {})
    ]
    assert path_conditions, "the key policy should name the function roles by path"
    for function_id, function in resources_of_type(transformed, "AWS::Lambda::Function").items():
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        path = transformed["Resources"][role_id]["Properties"]["Path"]["Fn::Sub"]
        expected = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role" + path + "*"
        assert all(condition == expected for condition in path_conditions), function_id


def test_http_api_routes_all_require_the_jwt_authorizer(transformed: Template) -> None:
    (api,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    security_schemes = body["components"]["securitySchemes"]
    assert security_schemes["JwtAuthorizer"]["x-amazon-apigateway-authorizer"]["type"] == "jwt"
    operations = [op for path in body["paths"].values() for op in path.values()]
    assert len(operations) == 8
    for operation in operations:
        assert operation["security"] == [{"JwtAuthorizer": []}]
        assert operation["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "2.0"
    (stage,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["StageName"] == "$default"
    assert stage["Properties"]["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0


def test_schedule_has_retries_and_a_dead_letter_queue(transformed: Template) -> None:
    (schedule,) = resources_of_type(transformed, "AWS::Scheduler::Schedule").values()
    properties = schedule["Properties"]
    assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert properties["ScheduleExpression"] == {"Ref": "DispatchScheduleExpression"}
    target = properties["Target"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DispatchDeadLetterQueue", "Arn"]}
    assert target["Arn"] == {"Fn::GetAtt": ["HealthDispatcherFunction", "Arn"]}


def test_generated_event_source_mapping_keeps_partial_failures_and_the_cap(transformed: Template) -> None:
    (mapping,) = resources_of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert properties["EventSourceArn"] == {"Fn::GetAtt": ["HealthQueue", "Arn"]}
    assert properties["FunctionName"] == {"Ref": "HealthWorkerFunction"}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "WorkerMaxConcurrency"}}


def test_the_endpoint_parameter_admits_only_what_every_function_accepts(template: Template) -> None:
    """A deploy with an endpoint the code refuses would leave every function failing at start."""
    pattern = template["Parameters"]["IntacctEndpointUrl"]["AllowedPattern"]
    admitted = [
        "https://api.intacct.com/ia/xml/xmlgw.phtml",
        "https://preview.api.intacct.com/ia/xml/xmlgw.phtml",
        "https://api.intacct.com:443/ia/xml/xmlgw.phtml",
    ]
    refused = [
        "http://api.intacct.com/ia/xml/xmlgw.phtml",
        "https://api.intacct.com.evil.example/ia/xml/xmlgw.phtml",
        "https://evilintacct.com/ia/xml/xmlgw.phtml",
        "https://api.intacct.com@evil.example/",
    ]
    for url in admitted:
        assert re.fullmatch(pattern, url) and validate_endpoint(url) == url
    assert [url for url in refused if re.fullmatch(pattern, url)] == []
    assert re.fullmatch(pattern, template["Parameters"]["IntacctEndpointUrl"]["Default"])
