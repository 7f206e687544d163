"""API keys (stored hashed), roles and what each role may do."""
