"""A VTEX simulator for demos, integration tests and the benchmark.

`VtexSimulator` keeps a simulated VTEX account in memory, and `serve()` starts
its HTTP API on loopback. `server.py` lists the paths it serves.
"""

from orders.simulator.records import SimulatorError
from orders.simulator.server import SimulatorServer
from orders.simulator.state import VtexSimulator

__all__ = ["SimulatorError", "SimulatorServer", "VtexSimulator"]
