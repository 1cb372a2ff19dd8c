"""Questions to a room or its session (Q&A): asked by anyone signed in, voted, moderated."""
