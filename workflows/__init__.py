"""The Fokusberatung process: definitions as data, the engine and the working-day calendar.

Nothing in this package does I/O or knows about HTTP, the database or mail; the
service layer asks it questions about plain snapshots.
"""
