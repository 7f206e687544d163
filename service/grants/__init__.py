"""The grant notice (Zuwendungsbescheid): reference, dates, costs, amount, rate; it fixes
the funding period an engagement runs in."""
