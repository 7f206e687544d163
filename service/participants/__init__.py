"""Participants: the local actors of an engagement who are invited to workshops."""
