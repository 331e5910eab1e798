"""The per-company limit of requests in flight at Intacct, shared by admins' verifications, health checks
and exports across every Lambda: Intacct refuses a company's requests past a small number at once (2 is
the figure integrators report most), so the service never sends more.

Pure rules (rules.py) over one small state per company, kept by a store port with optimistic concurrency
(ports.py); limiter.py is what a use case asks before talking to Intacct.
"""

from .limiter import CompanyLimiter, Slot
from .ports import SlotConflict, SlotStore
from .rules import Slots

__all__ = ["CompanyLimiter", "Slot", "SlotConflict", "SlotStore", "Slots"]
