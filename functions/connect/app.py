"""POST /connections — create the tenant's Sage Intacct connection (status AWAITING_CREDENTIALS)."""

from connection_service import bootstrap
from connection_service.api.app import api_handler
from connection_service.api.routes.connect import build_router

handler = api_handler(
    bootstrap.environment,
    lambda env: build_router(env.use_cases.connect, env.use_cases.read, env.settings),
)
