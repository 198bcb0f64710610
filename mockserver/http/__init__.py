"""The request path: security, validation, error bodies, dispatch."""
