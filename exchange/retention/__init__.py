"""How long the exchange keeps what people wrote in the rooms (README, "Retention")."""
