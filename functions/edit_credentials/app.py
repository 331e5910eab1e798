"""PUT /connections/{id}/credentials — save Company/Entity/User ID and password, verify, store the outcome."""

from connection_service.api.app import api_handler
from connection_service.api.routes import credentials_router

handler = api_handler(credentials_router)
