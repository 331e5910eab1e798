"""POST /connections/{id}/verify — re-run the verifier with the stored credentials."""

from connection_service.api.app import api_handler
from connection_service.api.routes import verify_router

handler = api_handler(verify_router)
