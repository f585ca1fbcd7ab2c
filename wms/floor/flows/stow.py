"""RF flow: stow (being written)."""
