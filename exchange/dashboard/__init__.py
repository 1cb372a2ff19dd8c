"""The organizers' dashboard: how the exchange is going, at a glance."""
