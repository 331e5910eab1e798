"""DELETE /connections/{id} — delete the secret (with a recovery window), keep the history."""

from connection_service.api.app import api_handler
from connection_service.api.routes.disconnect import router

handler = api_handler(router)
