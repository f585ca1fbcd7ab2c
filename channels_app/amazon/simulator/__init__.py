"""A local SP-API simulator: a real HTTP server shaped after Amazon's published models."""

from channels_app.amazon.simulator.server import Credentials, Simulator

__all__ = ["Credentials", "Simulator"]
