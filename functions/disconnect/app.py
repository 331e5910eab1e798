"""DELETE /connections/{id} — delete the secret (with a recovery window), keep the history."""

from connection_service import bootstrap
from connection_service.api.app import api_handler
from connection_service.api.routes.disconnect import build_router

handler = api_handler(bootstrap.environment, lambda env: build_router(env.use_cases.disconnect, env.settings))
