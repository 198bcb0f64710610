"""Loading OpenAPI contracts into per-operation objects built once at startup."""
