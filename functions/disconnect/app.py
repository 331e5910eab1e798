"""DELETE /connections/{id} — delete the secret (with a recovery window), keep the history."""

from connection_service.api.app import api_handler
from connection_service.api.routes import disconnect_router

handler = api_handler(disconnect_router)
