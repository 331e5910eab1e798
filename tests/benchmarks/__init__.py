"""`make bench`. Everything runs on loopback emulators, so boto3 gets fake credentials and a region before
any client exists (as tests/conftest.py does), and the service logs and metrics stay quiet."""

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "intacct-connections",
        "POWERTOOLS_METRICS_NAMESPACE": "IntacctConnections",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
for _variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(_variable, None)
