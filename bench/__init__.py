"""Benchmarks: scripts that print figures and never assert (run them as files,
`.venv/bin/python bench/transitions.py`). A package only so that type checkers name
them `bench.transitions` and so on, not `transitions`, the library they would shadow."""
