"""Portfolio statistics (issue 13): counts per stage, overdue, funding ending soon,
median days in each stage against its target, consulting days against budget, and the
overdue trend; computed as one snapshot and served from a short-lived cache."""
