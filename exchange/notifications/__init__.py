"""What a person is told of, and how: browser notifications per room, mail for what they missed."""
