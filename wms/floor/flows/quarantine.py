"""RF flow: quarantine (being written)."""
