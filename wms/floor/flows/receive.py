"""RF flow: receive (being written)."""
