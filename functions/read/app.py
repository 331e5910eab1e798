"""GET /connections, GET /connections/{id}, GET /connections/{id}/history — any member of the tenant."""

from connection_service.api.app import api_handler
from connection_service.api.routes import read_router

handler = api_handler(read_router)
