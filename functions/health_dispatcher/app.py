"""Scheduled: enqueue one health check per connection that is due (EventBridge Scheduler → SQS FIFO)."""

from connection_service import bootstrap
from connection_service.health.runner import handle_dispatch
from connection_service.observability import event_handler

handler = event_handler(bootstrap.environment, handle_dispatch)
