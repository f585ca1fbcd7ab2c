"""A local ERP: a real HTTP server holding an item master and counting what we confirm."""

from channels_app.erp.simulator.server import TOKEN, ErpSimulator

__all__ = ["TOKEN", "ErpSimulator"]
