"""Themed rooms: live chat, history and presence."""
