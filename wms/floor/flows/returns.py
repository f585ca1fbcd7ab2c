"""RF flow: returns (being written)."""
