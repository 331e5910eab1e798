"""PUT /connections/{id}/credentials — save Company/Entity/User ID and password, verify, store the outcome."""

from connection_service import wiring
from connection_service.api.app import api_handler
from connection_service.api.routes.credentials import router

handler = api_handler(router)
wiring.load_sign_in_stack()  # every request signs in to Intacct: load its client during init
