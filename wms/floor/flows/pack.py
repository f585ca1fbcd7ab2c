"""RF flow: pack (being written)."""
