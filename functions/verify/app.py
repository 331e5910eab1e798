"""POST /connections/{id}/verify — re-run the verifier with the stored credentials."""

from connection_service import wiring
from connection_service.api.app import api_handler
from connection_service.api.routes.verify import router

handler = api_handler(router)
wiring.load_sign_in_stack()  # every request signs in to Intacct: load its client during init
