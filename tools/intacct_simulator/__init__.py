"""A faithful Sage Intacct simulator (XML gateway and REST API) for local runs and tests (loopback only).

    from intacct_simulator import DEMO_DATA_PATH, IntacctSimulator

    with IntacctSimulator.from_file(DEMO_DATA_PATH) as sim:
        sim.gateway_url   # http://127.0.0.1:<port>/ia/xml/xmlgw.phtml
        sim.rest_url      # http://127.0.0.1:<port>/ia/api/v1
        sim.requests("DEMO-CO")

See README.md in this directory for the data-file schema, the error shapes and the control API.
"""

from pathlib import Path

from .scenario import ScenarioError
from .server import IntacctSimulator

DEMO_DATA_PATH = Path(__file__).with_name("demo.yaml")

__all__ = ["DEMO_DATA_PATH", "IntacctSimulator", "ScenarioError"]
