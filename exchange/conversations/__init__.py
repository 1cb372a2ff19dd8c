"""Conversations: private rooms of two to eight people."""
