"""Measures: the catalogue the guiding vision leads to, and their progress."""
