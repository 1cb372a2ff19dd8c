"""Pages about the exchange itself: privacy notice (and other statements)."""
