"""Responders: pure functions of (world, validated request) that produce a response body."""
