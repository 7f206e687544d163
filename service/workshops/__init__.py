"""Workshops with the local actors, invitations and RSVPs."""
