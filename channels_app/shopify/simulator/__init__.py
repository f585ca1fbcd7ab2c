"""A local Shopify Admin GraphQL simulator: a real HTTP server over the pinned 2026-04 schema."""

from channels_app.shopify.simulator.server import Simulator

__all__ = ["Simulator"]
