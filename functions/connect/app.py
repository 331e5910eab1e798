"""POST /connections — create the tenant's Sage Intacct connection (status AWAITING_CREDENTIALS)."""

from connection_service.api.app import api_handler
from connection_service.api.routes.connect import router

handler = api_handler(router)
