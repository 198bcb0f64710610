"""Dedicated generators for the analytics operations: pure functions of (world, query)."""
