"""RF flow: count (being written)."""
