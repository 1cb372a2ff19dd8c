"""The people directory and profiles: who is here, for those who agreed to be listed."""
