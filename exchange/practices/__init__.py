"""The best-practice library: write-ups that administrations share, reviewed and published."""
