"""Identifiers of the simulator's demo data (a contract: the README lists them) as the service's types."""

from __future__ import annotations

from connection_service.intacct import LoginCredentials, Secret
from connection_service.intacct.xml import SenderCredentials

DEMO_PASSWORD = "Demo-Passw0rd!"
SENDER = SenderCredentials("ExpenseInMPP", Secret("Sender-Demo-1"))
LOGIN = LoginCredentials("DEMO-CO", "ws_expenses", Secret(DEMO_PASSWORD))
