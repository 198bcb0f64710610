"""Resources (agents, tools, ...) read from the same catalog the analytics count."""
