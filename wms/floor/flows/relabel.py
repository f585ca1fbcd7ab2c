"""RF flow: relabel (being written)."""
