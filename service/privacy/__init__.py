"""GDPR: export (Art. 15) and erasure (Art. 17) of one person's data, and the retention
sweep that erases participants of long-final engagements (docs/privacy.md)."""
