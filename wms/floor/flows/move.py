"""RF flow: move (being written)."""
