"""The core every feature builds on: settings, context, database and unit of work, clock,
errors, validation, translations, paths, the sweep type and the process-wide metrics.
It imports no feature (tests/test_layering.py holds it to that)."""
