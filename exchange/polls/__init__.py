"""Polls in rooms: opened by moderators and organizers, answered once by everyone."""
