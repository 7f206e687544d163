"""fokus: HTTP API, persistence, scheduling and mail for the Fokusberatung process."""
