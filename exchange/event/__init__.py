"""The event itself: its name and dates, themed rooms and participating administrations."""
