"""Channel-agnostic delivery of the outbox (docs/outbox.md): handlers, the worker, rate limits."""
