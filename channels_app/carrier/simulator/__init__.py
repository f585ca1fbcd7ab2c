"""A local parcel carrier: a real HTTP server issuing 4×6 labels and sending tracking events."""

from channels_app.carrier.simulator.server import API_KEY, WEBHOOK_SECRET, CarrierSimulator

__all__ = ["API_KEY", "WEBHOOK_SECRET", "CarrierSimulator"]
