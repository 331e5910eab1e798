"""POST /connections/{id}/verify — re-run the verifier with the stored credentials."""

from connection_service import bootstrap
from connection_service.api.app import api_handler
from connection_service.api.routes.verify import build_router

handler = api_handler(bootstrap.environment, lambda env: build_router(env.use_cases.verify, env.settings))
bootstrap.load_sign_in_stack()  # every request signs in to Intacct: load its client during init
