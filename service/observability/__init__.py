"""Operating fokus: structured logs with a request id, HTTP metrics, scrape-time gauges
from the database, and the /metrics endpoint."""
