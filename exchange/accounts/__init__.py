"""Accounts, roles, sign-in sessions and invitations."""
