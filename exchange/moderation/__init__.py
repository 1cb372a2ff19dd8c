"""Moderation: hiding and restoring content, reports, mute and ban, slow mode, the audit log."""
