"""Announcements of organizers and moderators: in rooms, and as a banner on every page."""
