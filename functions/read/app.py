"""GET /connections, GET /connections/{id}, GET /connections/{id}/history, GET /intacct/client-application —
any member of the tenant."""

from connection_service import bootstrap
from connection_service.api.app import api_handler
from connection_service.api.routes.read import build_router

handler = api_handler(bootstrap.environment, lambda env: build_router(env.use_cases.read, env.settings))
