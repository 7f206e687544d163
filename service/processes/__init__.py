"""The registered processes over HTTP and the CLI, and moving running engagements from
one version of a process to another."""
