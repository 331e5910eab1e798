"""Invoked by the platform's export workers (IAM: lambda:InvokeFunction): run Intacct functions in a
customer's company through the connection, never handing out its password."""

from connection_service import bootstrap
from connection_service.exports.interface import handle_export
from connection_service.observability import event_handler

handler = event_handler(bootstrap.environment, handle_export)
bootstrap.load_sign_in_stack()  # a first call signs in to Intacct: load its client during init
