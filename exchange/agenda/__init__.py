"""The event's programme: its sessions, the agenda page and its calendar file."""
