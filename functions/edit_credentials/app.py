"""PUT /connections/{id}/credentials — save Company/Entity/User ID and password, verify, store the outcome."""

from connection_service import bootstrap
from connection_service.api.app import api_handler
from connection_service.api.routes.credentials import build_router

handler = api_handler(
    bootstrap.environment, lambda env: build_router(env.use_cases.edit_credentials, env.settings)
)
bootstrap.load_sign_in_stack()  # every request signs in to Intacct: load its client during init
