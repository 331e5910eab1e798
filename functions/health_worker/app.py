"""SQS FIFO consumer: verify each due connection and store the outcome (partial batch failures)."""

from connection_service import bootstrap
from connection_service.health.runner import run_worker
from connection_service.observability import event_handler

handler = event_handler(bootstrap.environment, run_worker)
bootstrap.load_sign_in_stack()  # every check signs in to Intacct: load its client during init
