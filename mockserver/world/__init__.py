"""The synthetic world: deterministic randomness, calendar, catalog, traffic and latency."""
