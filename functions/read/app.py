"""GET /connections, GET /connections/{id}, GET /connections/{id}/history — any member of the tenant."""

from connection_service.api.app import api_handler
from connection_service.api.routes.read import router

handler = api_handler(router)
