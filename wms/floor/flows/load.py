"""RF flow: load (being written)."""
